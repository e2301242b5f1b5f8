import Foundation
import Glibc

/// Writes log lines to a file descriptor from a thread of its own, so the thread that logs
/// never waits for the descriptor: an event loop answering page views logs each one, and a
/// stalled stderr (a full pipe to a busy journald) must not stall the loop. Lines wait in a
/// bounded buffer; when it is full, new lines are dropped and counted, and the count is
/// written as soon as there is room again.
public final class LogWriter: @unchecked Sendable {
    private let fd: Int32
    private let capacity: Int
    private let condition = NSCondition()
    private var pending: [UInt8] = []   // guarded by condition
    private var dropped = 0             // guarded by condition
    private var writing = false         // guarded by condition: the thread holds a batch
    private var started = false         // guarded by condition

    /// Lines for standard error (the default sink of `Log`).
    public static let standardError = LogWriter(fd: STDERR_FILENO)

    public init(fd: Int32, capacity: Int = 1 << 20) {
        self.fd = fd
        self.capacity = capacity
    }

    /// Queues `line` (a newline is added); returns at once.
    public func write(_ line: String) {
        condition.lock()
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.start()
        }
        if pending.count + line.utf8.count + 1 > capacity {
            dropped += 1
        } else {
            pending.append(contentsOf: line.utf8)
            pending.append(UInt8(ascii: "\n"))
        }
        condition.broadcast()   // the writer thread (and a `flush` waiting, if any)
        condition.unlock()
    }

    /// Waits until everything queued so far has been written, for at most `timeout`
    /// seconds (a descriptor nobody reads must not keep the process from exiting).
    public func flush(timeout: Double = 2) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while (!pending.isEmpty || writing) && started {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    private func run() {
        ThreadName.setCurrent("log-writer")
        while true {
            condition.lock()
            while pending.isEmpty && dropped == 0 { condition.wait() }
            var batch = pending
            pending.removeAll(keepingCapacity: true)
            if dropped > 0 {
                batch.append(contentsOf: "… \(dropped) log lines dropped: the log could not keep up\n".utf8)
                dropped = 0
            }
            writing = true
            condition.unlock()

            batch.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
            }

            condition.lock()
            writing = false
            condition.broadcast()   // wakes `flush`
            condition.unlock()
        }
    }
}
