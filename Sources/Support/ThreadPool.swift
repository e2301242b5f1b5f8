import Foundation

/// A fixed set of named threads running submitted jobs in FIFO order: the HTTP workers and
/// the bcrypt pool are both one. A pool may bound its queue (`queueLimit`): jobs running
/// plus waiting never exceed `threads + queueLimit`, and a job beyond that is refused at
/// once (and counted) instead of piling up. `stop` lets queued jobs finish, then ends the
/// threads.
public final class ThreadPool: @unchecked Sendable {
    /// A job and, for `perform`, the semaphore its caller waits on. Stored as it is:
    /// `submit` allocates nothing beyond the caller's closure.
    private struct Job {
        let run: () -> Void
        let done: DispatchSemaphore?
    }

    public let threads: Int
    /// How many jobs may wait beyond those running; nil: no bound.
    public let queueLimit: Int?
    private let name: String
    private let threadStarted: @Sendable (_ index: Int) -> Void

    private let condition = NSCondition()
    private var jobs = FIFOQueue<Job>()
    private var running = 0
    private var stopping = false
    private var refusals = 0
    private var threadsStarted = false
    private let exited = DispatchGroup()

    /// Threads are named `name-0`, `name-1`… and call `threadStarted` with their index
    /// before their first job. With `startsOnFirstJob`, they start when the first job comes
    /// (a server nobody logs in to keeps no idle bcrypt threads); otherwise at once.
    public init(name: String, threads: Int, queueLimit: Int? = nil, startsOnFirstJob: Bool = false,
                threadStarted: @escaping @Sendable (_ index: Int) -> Void = { _ in }) {
        self.name = name
        self.threads = max(1, threads)
        self.queueLimit = queueLimit.map { max(0, $0) }
        self.threadStarted = threadStarted
        if !startsOnFirstJob {
            condition.lock()
            startThreads()
            condition.unlock()
        }
    }

    /// Queues `job` for a pool thread. Returns false, without queueing it, when the pool is
    /// full or stopping.
    @discardableResult
    public func submit(_ job: @escaping () -> Void) -> Bool {
        enqueue(Job(run: job, done: nil))
    }

    /// Runs `body` on a pool thread and waits for its result; nil at once when the pool is
    /// full or stopping. Returns only once the job no longer counts in `load`.
    public func perform<T>(_ body: @escaping () throws -> T) -> Result<T, Error>? {
        var result: Result<T, Error>?
        let done = DispatchSemaphore(value: 0)
        guard enqueue(Job(run: { result = Result { try body() } }, done: done)) else { return nil }
        done.wait()
        // `result` is written before `signal` and read after `wait`: the semaphore orders them.
        return result
    }

    /// Whether a job submitted now would be taken. A cheap early answer before work that
    /// would be wasted on a refusal; counts a refusal when there is no room (the caller is
    /// about to answer "busy"). The submit itself checks again.
    public func checkRoom() -> Bool {
        condition.lock(); defer { condition.unlock() }
        guard isFull else { return true }
        refusals += 1
        return false
    }

    /// Whether a job would be taken right now; unlike `checkRoom`, counts nothing.
    public var hasRoom: Bool {
        condition.lock(); defer { condition.unlock() }
        return !isFull
    }

    /// Jobs running or waiting right now, and jobs refused so far (for tests and operators).
    public var load: (inFlight: Int, refused: Int) {
        condition.lock(); defer { condition.unlock() }
        return (running + jobs.count, refusals)
    }

    /// Lets queued jobs finish, then ends the threads. Waits up to `timeout` seconds for
    /// them to end (0: returns at once; they also end with the process).
    public func stop(timeout: Double = 0) {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        if timeout > 0 { _ = exited.wait(timeout: .now() + timeout) }
    }

    // MARK: Internals

    private func enqueue(_ job: Job) -> Bool {
        condition.lock()
        if stopping || isFull {
            refusals += 1
            condition.unlock()
            return false
        }
        if !threadsStarted { startThreads() }
        jobs.append(job)
        condition.signal()
        condition.unlock()
        return true
    }

    /// Called with the lock held.
    private var isFull: Bool {
        guard let queueLimit else { return false }
        return running + jobs.count >= threads + queueLimit
    }

    /// Called with the lock held.
    private func startThreads() {
        threadsStarted = true
        for i in 0..<threads {
            exited.enter()
            let threadName = "\(name)-\(i)"
            let thread = Thread { [self] in
                ThreadName.setCurrent(threadName)
                threadStarted(i)
                work()
                exited.leave()
            }
            thread.start()
        }
    }

    /// The lock is taken once per job: the count of a finished job drops in the same
    /// critical section that takes the next one.
    private func work() {
        condition.lock()
        while true {
            while jobs.isEmpty && !stopping { condition.wait() }
            guard let job = jobs.popFirst() else {   // stopping and nothing left
                condition.unlock()
                return
            }
            running += 1
            condition.unlock()
            job.run()
            condition.lock()
            running -= 1
            job.done?.signal()
        }
    }
}
