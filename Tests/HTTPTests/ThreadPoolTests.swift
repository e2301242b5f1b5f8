import Foundation
import Support
import TestSupport
import XCTest

/// A door jobs wait at, so a pool can be filled on purpose.
private final class PoolGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var open = false

    func openUp() {
        condition.lock(); open = true; condition.broadcast(); condition.unlock()
    }

    func pass() {
        condition.lock()
        while !open { condition.wait() }
        condition.unlock()
    }
}

/// What jobs recorded, from whichever thread ran them.
private final class Record<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}

private struct Failure: Error, Equatable {}

final class ThreadPoolTests: XCTestCase {
    /// Waits until the pool holds `count` jobs; fails (rather than hangs) if it never does.
    private func waitUntil(_ pool: ThreadPool, inFlight count: Int, file: StaticString = #filePath, line: UInt = #line) {
        eventually("the pool holds \(count) jobs", file: file, line: line) { pool.load.inFlight >= count }
        XCTAssertEqual(pool.load.inFlight, count, "the pool never filled", file: file, line: line)
    }

    func testRunsJobsInTheOrderSubmitted() {
        let pool = ThreadPool(name: "fifo", threads: 1)
        defer { pool.stop(timeout: 10) }
        let gate = PoolGate()
        let order = Record<Int>()
        let finished = DispatchGroup()
        for i in 0..<6 {
            finished.enter()
            XCTAssertTrue(pool.submit {
                if i == 0 { gate.pass() }
                order.append(i)
                finished.leave()
            })
        }
        XCTAssertEqual(pool.load.inFlight, 6)
        gate.openUp()
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(order.all, [0, 1, 2, 3, 4, 5])
    }

    func testUnboundedPoolTakesEveryJob() {
        let pool = ThreadPool(name: "open", threads: 1)
        defer { pool.stop(timeout: 10) }
        let gate = PoolGate()
        let finished = DispatchGroup()
        for _ in 0..<100 {
            finished.enter()
            XCTAssertTrue(pool.submit { gate.pass(); finished.leave() })
        }
        XCTAssertTrue(pool.checkRoom())
        XCTAssertEqual(pool.load.refused, 0)
        gate.openUp()
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
    }

    func testBoundedPoolRefusesAtOnceWhenThreadsAndQueueAreFull() throws {
        let pool = ThreadPool(name: "bounded", threads: 1, queueLimit: 1)
        defer { pool.stop(timeout: 10) }
        let gate = PoolGate()
        let finished = DispatchGroup()
        for _ in 0..<2 {   // one running, one waiting
            finished.enter()
            XCTAssertTrue(pool.submit { gate.pass(); finished.leave() })
        }
        waitUntil(pool, inFlight: 2)

        XCTAssertFalse(pool.checkRoom())
        let refused = !pool.submit { XCTFail("a refused job ran") }
        XCTAssertTrue(refused, "a job beyond threads + queueLimit was queued")
        if refused {   // (else perform would wait behind the gate for ever)
            XCTAssertNil(pool.perform { 1 })
        }
        XCTAssertEqual(pool.load.refused, 3)
        XCTAssertEqual(pool.load.inFlight, 2)

        gate.openUp()
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        // Room again once the jobs are done; perform returns only once its job no longer counts.
        XCTAssertTrue(pool.checkRoom())
        XCTAssertEqual(try pool.perform { 42 }?.get(), 42)
        XCTAssertEqual(pool.load.inFlight, 0)
        XCTAssertEqual(pool.load.refused, 3)
    }

    func testPerformHandsBackTheJobsError() {
        let pool = ThreadPool(name: "errors", threads: 1)
        defer { pool.stop(timeout: 10) }
        let result: Result<Int, Error>? = pool.perform { throw Failure() }
        XCTAssertThrowsError(try result?.get()) { XCTAssertEqual($0 as? Failure, Failure()) }
    }

    func testStopLetsQueuedJobsFinishAndRefusesNewOnes() {
        let pool = ThreadPool(name: "stopping", threads: 1)
        let gate = PoolGate()
        let ran = Record<Int>()
        for i in 0..<4 {
            XCTAssertTrue(pool.submit { gate.pass(); ran.append(i) })
        }
        pool.stop()   // returns at once; the queued jobs still run
        XCTAssertFalse(pool.submit { ran.append(99) })
        gate.openUp()
        pool.stop(timeout: 10)   // waits for the thread to end
        XCTAssertEqual(ran.all, [0, 1, 2, 3])
    }

    func testThreadsAreNamedAndStartOnFirstJobWhenAsked() {
        let started = Record<Int>()
        let pool = ThreadPool(name: "lazy", threads: 2, startsOnFirstJob: true) { started.append($0) }
        defer { pool.stop(timeout: 10) }
        XCTAssertEqual(started.all, [], "threads started before any job")

        let names = Record<String>()
        let ran = DispatchSemaphore(value: 0)
        XCTAssertTrue(pool.submit {
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            names.append(comm.trimmingCharacters(in: .whitespacesAndNewlines))
            ran.signal()
        })
        XCTAssertEqual(ran.wait(timeout: .now() + 10), .success, "the first job started no thread")
        let name = names.all.first
        XCTAssertTrue(name == "lazy-0" || name == "lazy-1", name ?? "nil")
        // The thread that ran the job called `threadStarted` before it.
        XCTAssertTrue(started.all.contains(name == "lazy-0" ? 0 : 1), "\(started.all)")
    }
}
