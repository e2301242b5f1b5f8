import Foundation
import Glibc
import Support
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
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "reader").async {
            box.text = self.readAll(r)
            done.signal()
        }
        writer.flush(timeout: 5)
        writer.write("after the stall")
        writer.flush(timeout: 5)
        close(w)
        done.wait()
        close(r)
        let text = box.text
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertLessThan(lines.filter { $0 == line }.count, 5_000, "some lines had to be dropped")
        XCTAssertTrue(lines.contains { $0.hasPrefix("… ") && $0.hasSuffix("log lines dropped: the log could not keep up") },
                      "the drop is reported: \(lines.suffix(3))")
        XCTAssertEqual(lines.last, "after the stall", "lines after the stall still arrive, in order")
    }
}
