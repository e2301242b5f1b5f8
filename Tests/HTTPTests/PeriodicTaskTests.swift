import Foundation
import Support
import TestSupport
import XCTest

/// The background passes (Verify scheduler, pruner): an outage logs one WARNING, not a line a
/// pass, and the first pass that works again says so once; the thread runs passes until stopped.
final class PeriodicTaskTests: XCTestCase {
    private struct Down: Error {}

    func testAnOutageLogsOneWarningAndTheRecoveryOneLine() {
        let log = LogCapture()
        log.start()
        defer { log.stop() }
        let task = PeriodicTask(name: "test-task", interval: 1)
        for _ in 0..<3 { XCTAssertNil(task.attempt { () throws -> Int in throw Down() }) }
        XCTAssertEqual(task.attempt { 7 }, 7)
        XCTAssertEqual(task.attempt { 8 }, 8)
        XCTAssertNil(task.attempt { () throws -> Int in throw Down() })
        let lines = log.lines.filter { $0.contains("test-task") }
        XCTAssertEqual(lines.filter { $0.contains("WARN") }.count, 2, "one per outage: \(lines)")
        XCTAssertEqual(lines.filter { $0.contains("answers again") }.count, 1, "\(lines)")
    }

    func testTheThreadRunsPassesUntilStopped() {
        let task = PeriodicTask(name: "test-thread", interval: 0.01)
        let passes = Counter()
        task.start { passes.add() }
        eventually("three passes") { passes.value >= 3 }
        task.stop()
        let stoppedAt = passes.value
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertLessThanOrEqual(passes.value, stoppedAt + 1, "at most the pass it was in")
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add() { lock.lock(); count += 1; lock.unlock() }
}
