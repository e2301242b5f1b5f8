import Foundation
import Glibc
import Support
import TestSupport
import XCTest

/// The log's writer thread: lines come out whole and in order, and a reader that stops
/// reading costs dropped lines (counted), never a logging thread that waits.
final class LogWriterTests: XCTestCase {
    private func pipe() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(Glibc.pipe(&fds), 0)
        return (fds[0], fds[1])
    }

    private func readAll(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Starts reading `fd` to its end on another thread (a stalled reader coming back);
    /// the returned function waits for that end and gives what was read.
    private func readAllInBackground(_ fd: Int32) -> () -> String {
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "reader").async {
            box.text = self.readAll(fd)
            done.signal()
        }
        return {
            done.wait()
            return box.text
        }
    }

    func testLinesComeOutInOrderAfterFlush() {
        let (r, w) = pipe()
        let writer = LogWriter(fd: w)
        for i in 0..<500 { writer.write("line \(i)") }
        writer.flush()
        close(w)
        let lines = readAll(r).split(separator: "\n").map(String.init)
        close(r)
        XCTAssertEqual(lines, (0..<500).map { "line \($0)" })
    }

    /// Nobody reads the pipe: the writer thread blocks on it once the pipe is full, and
    /// `write` keeps returning (lines beyond the buffer are dropped). If `write` waited for the
    /// pipe, this test would hang instead of finishing.
    func testAStalledReaderDropsLinesInsteadOfBlockingTheCaller() {
        let (r, w) = pipe()
        let writer = LogWriter(fd: w, capacity: 4096)
        let line = String(repeating: "x", count: 100)
        for _ in 0..<5_000 { writer.write(line) }   // ~500 KB: far beyond the pipe and the buffer
        // Now someone reads again: what was kept, the drop notice, then new lines.
        let readText = readAllInBackground(r)
        writer.flush(timeout: 5)
        writer.write("after the stall")
        writer.flush(timeout: 5)
        close(w)
        let text = readText()
        close(r)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertLessThan(lines.filter { $0 == line }.count, 5_000, "some lines had to be dropped")
        XCTAssertTrue(lines.contains { $0.hasPrefix("… ") && $0.hasSuffix("log lines dropped: the log could not keep up") },
                      "the drop is reported: \(lines.suffix(3))")
        XCTAssertEqual(lines.last, "after the stall", "lines after the stall still arrive, in order")
    }

    // MARK: batches (a write per batch, not per line)

    /// A socket pair that keeps each `write(2)` a message of its own, so a test can count the
    /// writer's writes: (the writer's end, the test's end, non-blocking).
    private func messageSocket() -> (write: Int32, read: Int32) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds), 0)
        var size: Int32 = 4 << 20
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// The messages (one per write) waiting on the test's end now.
    private func messages(_ fd: Int32) -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        return out
    }

    private func lines(_ messages: [String]) -> [String] {
        messages.joined().split(separator: "\n").map(String.init)
    }

    /// Info lines wait for their batch's delay instead of waking the writer each: they reach
    /// the descriptor without a flush, once the delay is up.
    func testLinesArriveAfterTheDelayWithoutAFlush() {
        let (w, r) = messageSocket()
        defer { close(r) }
        let writer = LogWriter(fd: w, delay: 0.05)
        for i in 0..<3 { writer.write("line \(i)") }
        var received: [String] = []
        eventually("the three lines reach the descriptor: \(received)") {
            received += messages(r)
            return lines(received).count >= 3
        }
        XCTAssertEqual(lines(received), ["line 0", "line 1", "line 2"])
    }

    /// Lines logged within the delay go out in one write, and an urgent line (a warning or an
    /// error) does not wait: it takes the waiting lines along, in order. Before, each line woke
    /// the writer thread (a futex wake, a context switch and a write per line).
    func testLinesWithinTheDelayGoOutInOneWriteAndAnUrgentLineTakesThemAlong() {
        let (w, r) = messageSocket()
        defer { close(r) }
        let writer = LogWriter(fd: w, capacity: 4 << 20, delay: 3600, wakeAt: 4 << 20)
        writer.write("first")
        writer.flush(timeout: 60)   // the writer thread is up and idle, as in a running server
        XCTAssertEqual(lines(messages(r)), ["first"])
        let count = 5_000
        for i in 0..<count { writer.write("line \(i)") }
        writer.write("urgent", urgent: true)
        var received: [String] = []
        eventually("the urgent line is written without waiting an hour") {
            received += messages(r)
            return lines(received).last == "urgent"
        }
        XCTAssertEqual(lines(received), (0..<count).map { "line \($0)" } + ["urgent"])
        XCTAssertEqual(received.count, 1, "one write for the whole batch, not one per line")
    }

    /// `flush` (as at shutdown) writes what waits at once, without waiting out the delay, and
    /// returns once it is written.
    func testFlushWritesEverythingWithoutWaitingForTheDelay() {
        let (w, r) = messageSocket()
        defer { close(r) }
        let writer = LogWriter(fd: w, delay: 3600)
        for i in 0..<500 { writer.write("line \(i)") }
        writer.flush(timeout: 60)
        XCTAssertEqual(lines(messages(r)), (0..<500).map { "line \($0)" }, "everything is written when flush returns")
    }

    /// A full buffer drops lines and counts them: every line is either written or counted in a
    /// drop notice, none is lost silently, and the kept ones stay in order.
    func testAFullBufferCountsEveryDroppedLine() {
        let (r, w) = pipe()
        let writer = LogWriter(fd: w, capacity: 4096, delay: 3600)
        let total = 3_000
        for i in 0..<total { writer.write("line \(i) " + String(repeating: "x", count: 90)) }   // far beyond the pipe
        let readText = readAllInBackground(r)
        writer.flush(timeout: 60)
        close(w)
        let all = readText().split(separator: "\n").map(String.init)
        close(r)
        let kept = all.filter { $0.hasPrefix("line ") }.map { Int($0.split(separator: " ")[1])! }
        let droppedCounts = all.compactMap { line -> Int? in
            guard line.hasPrefix("… "), line.hasSuffix(" log lines dropped: the log could not keep up") else { return nil }
            return Int(line.split(separator: " ")[1])
        }
        XCTAssertFalse(droppedCounts.isEmpty, "lines had to be dropped")
        XCTAssertEqual(kept.count + droppedCounts.reduce(0, +), total, "every line is written or counted")
        XCTAssertEqual(kept, kept.sorted(), "the kept lines are in order")
    }
}
