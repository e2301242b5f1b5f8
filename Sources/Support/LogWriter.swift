import Foundation
import Glibc

/// Writes log lines to a file descriptor from a thread of its own, so the thread that logs
/// never waits for the descriptor: an event loop answering page views logs each one, and a
/// stalled stderr (a full pipe to a busy journald) must not stall the loop. Lines wait in a
/// bounded buffer; when it is full, new lines are dropped and counted, and the count is
/// written as soon as there is room again.
///
/// Lines are written in batches, like nginx's `access_log … buffer=64k flush=1s`: the first
/// line of a batch wakes the writer thread, which then lets the batch gather for up to
/// `delay` seconds, or until `wakeAt` bytes wait, before one `write(2)`. Waking the thread
/// for every line cost each request a futex wake, a context switch and a write of its own.
/// An urgent line (warnings and errors) and `flush` cut the wait short.
public final class LogWriter: @unchecked Sendable {
    private let fd: Int32
    private let capacity: Int
    private let delay: Double
    private let wakeAt: Int
    private let condition = NSCondition()
    private var pending: [UInt8] = []   // guarded by condition
    private var spare: [UInt8] = []     // the writer thread's: the batch being written, then reused
    private var dropped = 0             // guarded by condition
    private var writing = false         // guarded by condition: the thread holds a batch
    private var started = false         // guarded by condition
    private var urgent = false          // guarded by condition: write the batch without waiting out `delay`

    /// Lines for standard error (the default sink of `Log`).
    public static let standardError = LogWriter(fd: STDERR_FILENO)

    /// How long a line may wait before it is written, at most (seconds): the default of `delay`.
    public static let defaultDelay = 1.0

    /// - Parameters:
    ///   - capacity: bytes that may wait; beyond them lines are dropped and counted.
    ///   - delay: seconds a batch may gather before it is written.
    ///   - wakeAt: bytes waiting that get the batch written before `delay` is up.
    public init(fd: Int32, capacity: Int = 1 << 20, delay: Double = LogWriter.defaultDelay, wakeAt: Int = 64 << 10) {
        self.fd = fd
        self.capacity = capacity
        self.delay = delay
        self.wakeAt = max(1, min(wakeAt, capacity / 2))
    }

    /// Queues `line` (a newline is added); returns at once. An `urgent` line is written
    /// without waiting for the batch's delay.
    public func write(_ line: String, urgent: Bool = false) {
        var line = line
        line.withUTF8 { bytes in write(bytes, urgent: urgent) }
    }

    /// The same for a line already in bytes.
    public func write(_ line: [UInt8], urgent: Bool = false) {
        line.withUnsafeBufferPointer { bytes in write(bytes, urgent: urgent) }
    }

    private func write(_ bytes: UnsafeBufferPointer<UInt8>, urgent: Bool) {
        condition.lock()
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.start()
        }
        let batchStarts = pending.isEmpty && dropped == 0
        if pending.count + bytes.count + 1 > capacity {
            dropped += 1
        } else {
            pending.append(contentsOf: bytes)
            pending.append(UInt8(ascii: "\n"))
        }
        if urgent { self.urgent = true }
        // Wake the thread only when it has something to do: start a batch's wait, or cut it
        // short. (Signalling a condition nobody waits on costs no system call.)
        if batchStarts || urgent || pending.count >= wakeAt { condition.broadcast() }
        condition.unlock()
    }

    /// Writes what is queued now and waits until everything queued so far has been written,
    /// for at most `timeout` seconds (a descriptor nobody reads must not keep the process
    /// from exiting).
    public func flush(timeout: Double = 2) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while (!pending.isEmpty || dropped > 0 || writing) && started {
            urgent = true
            condition.broadcast()
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    private func run() {
        ThreadName.setCurrent("log-writer")
        while true {
            condition.lock()
            while pending.isEmpty && dropped == 0 { condition.wait() }
            // A batch has begun: let more lines join it, up to `delay` or `wakeAt` bytes.
            let due = Date(timeIntervalSinceNow: delay)
            while !urgent && pending.count < wakeAt {
                if !condition.wait(until: due) { break }
            }
            urgent = false
            // The two buffers swap: nothing is allocated or copied while the lock is held.
            swap(&pending, &spare)
            if dropped > 0 {
                spare.append(contentsOf: "… \(dropped) log lines dropped: the log could not keep up\n".utf8)
                dropped = 0
            }
            writing = true
            condition.unlock()

            spare.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
            }

            spare.removeAll(keepingCapacity: true)
            condition.lock()
            writing = false
            condition.broadcast()   // wakes `flush`
            condition.unlock()
        }
    }
}
