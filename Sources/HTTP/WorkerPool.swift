import Foundation
import Support

/// A fixed set of threads running submitted jobs in FIFO order. Responders block
/// (SQLite, bcrypt), so they run here and never on an event-loop thread.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs = FIFOQueue<() -> Void>()
    private var stopping = false
    private let exited = DispatchGroup()

    init(threads: Int, name: String = "http-worker") {
        for i in 0..<max(1, threads) {
            exited.enter()
            let threadName = "\(name)-\(i)"
            let thread = Thread { [self] in
                ThreadName.setCurrent(threadName)
                work()
                exited.leave()
            }
            thread.start()
        }
    }

    func submit(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets queued jobs finish, then ends the threads. Waits up to `timeout` seconds.
    func stop(timeout: Double) {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        _ = exited.wait(timeout: .now() + timeout)
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            guard let job = jobs.popFirst() else {   // stopping and nothing left
                condition.unlock()
                return
            }
            condition.unlock()
            job()
        }
    }
}
