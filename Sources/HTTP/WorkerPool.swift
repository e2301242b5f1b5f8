import Foundation
import Support

/// A fixed set of threads running submitted jobs in FIFO order. Responders block
/// (SQLite, bcrypt), so they run here and never on an event-loop thread.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var head = 0              // index of the next job; the array is compacted lazily
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
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count {   // stopping and nothing left
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
