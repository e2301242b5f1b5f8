import CSQLite
import Glibc
import Support
import Synchronization

/// The one writer connection of an `SQLiteDatabase`, with group commit.
///
/// SQLite has one writer at a time, and in WAL mode most of a small write transaction's cost
/// is its commit (the WAL frames of every page it touched, the wal-index update). So writes
/// that queue up share one transaction: the thread at the head of the queue becomes the
/// leader, takes every write queued so far as one batch, runs each write's body inside a
/// SAVEPOINT of its own (a body that throws undoes only its own statements, as a transaction
/// of its own would have), commits once, and wakes the others with their results. Writes that
/// queued meanwhile form the next batch, led by the first of their threads.
///
/// Every member returns only after the commit that holds its write (an answer never precedes
/// the commit that makes it true); if that commit fails, every member throws. Each body sees
/// the rows of the bodies before it in its batch, as it would have seen them committed.
///
/// Bodies run on the leader's thread, not their caller's: a follower sleeps once and wakes
/// once, where handing the connection from thread to thread cost every write two sleeps and
/// two wake-ups. So a body must not wait for anything its own caller holds (no lock the caller
/// took before `write`); thread-local state it reads is the leader's. A batch is as large as the
/// number of writes waiting, so nothing waits for a timer: an idle server commits at once.
///
/// While it leads, a thread runs at `leaderNiceness` (when lower than its own nice value and
/// the process may: root or CAP_SYS_NICE). Every other writer waits for the leader, so a leader
/// preempted by the threads queued behind it stalls them all; on two busy cores that cost more
/// than the syscalls (BENCHMARKS.md, "The write path, third pass").
final class SQLiteWriter: @unchecked Sendable {
    /// One write waiting for, or done by, a batch.
    private final class Job {
        enum State { case queued, leading, done(Outcome) }
        enum Outcome { case committed, failed(Error) }
        /// Dropped (under the mutex) before the job is marked done: it captures its caller's
        /// non-escaping body, which must be gone by the time the caller returns.
        var work: ((SQLiteConnection) -> Void)?
        /// Runs alone, outside any transaction (the migrator's writes, close).
        let isExclusive: Bool
        /// Nil for a statement written behind: nobody waits for it.
        let wakeUp: UnsafeMutablePointer<pthread_cond_t>?
        var state = State.queued   // guarded by the writer's mutex

        init(waits: Bool, isExclusive: Bool = false, work: @escaping (SQLiteConnection) -> Void) {
            self.work = work
            self.isExclusive = isExclusive
            if waits {
                let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
                pthread_cond_init(condition, nil)
                wakeUp = condition
            } else {
                wakeUp = nil
            }
        }

        deinit {
            if let wakeUp {
                pthread_cond_destroy(wakeUp)
                wakeUp.deallocate()
            }
        }

        var isQueued: Bool { if case .queued = state { return true } else { return false } }
    }

    private var connection: SQLiteConnection?   // used only by the leader; nil once closed
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var queue: [Job] = []   // guarded by mutex, in arrival order
    private var leading = false     // guarded by mutex: a thread is running batches
    private var closed = false      // guarded by mutex

    /// The thread leading (`pthread_self()`), 0 when none: a write from inside a body would
    /// wait for its own batch forever, so it is refused.
    private let owner = Atomic<UInt>(0)

    /// Goes up by one for each write once its transaction has ended (committed or not): see
    /// `Database.changeCount`.
    let changes = Atomic<UInt64>(0)
    /// Transactions ended (a batch counts once): how tests see that writes shared commits.
    let transactions = Atomic<UInt64>(0)

    /// Nice value of a thread while it leads (0: leaders keep their own).
    private let leaderNiceness: Int32
    /// Cleared after the first refusal (no privilege), so leaders stop asking.
    private let mayRaisePriority = Atomic<Bool>(true)

    init(_ connection: SQLiteConnection, leaderNiceness: Int32 = 0) {
        self.connection = connection
        self.leaderNiceness = leaderNiceness
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        connection?.close()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` as a write transaction (BEGIN IMMEDIATE … COMMIT), possibly sharing the
    /// transaction with other threads' writes (see the type's comment). Returns after the commit.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var result: Result<T, Error>?
            let outcome = try submit(Job(waits: true) { connection in result = Result { try Self.member(body, on: connection) } })
            switch (outcome, result) {
            // A failed batch's error first: a body's own error may rest on a batch-mate's row
            // that never committed.
            case (.failed(let error), _): throw error
            case (.committed, .failure(let error)?): throw error
            case (.committed, .success(let value)?): return value
            case (.committed, nil): throw Self.closedError
            }
        }
    }

    /// Queues a statement whose commit nobody waits for: it runs in the next batch, in a
    /// savepoint of its own (with no batch running, at once, before this returns). For a record
    /// whose loss in a crash is already accepted (a message's "sent" mark: the crash could as
    /// well have come just before it), so the sender answers without waiting for one more
    /// commit. A statement that fails is logged (without its values), never thrown to anyone.
    func writeBehind(_ sql: String, _ parameters: [SQLValue]) throws {
        let job = Job(waits: false) { connection in
            do {
                try Self.member({ try $0.execute(sql, parameters) }, on: connection)
            } catch {
                Log.error("SQLite write-behind statement failed (\(sql)): \(error)")
            }
        }
        try BlockingGuard.check()
        pthread_mutex_lock(mutex)
        if closed {
            pthread_mutex_unlock(mutex)
            throw Self.closedError
        }
        queue.append(job)
        let leadNow = !leading
        if leadNow { leading = true }
        pthread_mutex_unlock(mutex)
        if leadNow { lead(until: job) }   // nobody else is writing: do it now
    }

    /// Runs `body` alone on the connection, outside any transaction of the writer's own (the
    /// migrator's, a read with no reader pool), after the writes queued before it.
    func exclusive<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var result: Result<T, Error>?
            _ = try submit(Job(waits: true, isExclusive: true) { connection in result = Result { try body(connection) } })
            guard let result else { throw Self.closedError }
            return try result.get()
        }
    }

    /// Runs the writes queued before it, then closes the connection; later calls throw.
    func close() {
        _ = try? submit(Job(waits: true, isExclusive: true) { [self] connection in
            connection.close()
            self.connection = nil
            pthread_mutex_lock(mutex)
            closed = true   // here, so nothing queues behind a connection that is gone
            pthread_mutex_unlock(mutex)
        })
    }

    /// Writes queued now (for tests that line writes up into one batch).
    var waitingWriters: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return queue.count
    }

    // MARK: The queue

    /// Queues `job` and returns once a batch has done it: led by this thread if nobody leads.
    private func submit(_ job: Job) throws -> Job.Outcome {
        // The writer may wait for other threads' writes: never on an event loop.
        try BlockingGuard.check()
        precondition(owner.load(ordering: .relaxed) != UInt(pthread_self()),
                     "nested write on the same SQLiteDatabase would wait for itself")
        pthread_mutex_lock(mutex)
        if closed {
            pthread_mutex_unlock(mutex)
            throw Self.closedError
        }
        queue.append(job)
        if leading {
            while job.isQueued { pthread_cond_wait(job.wakeUp!, mutex) }
        } else {
            leading = true
            job.state = .leading
        }
        let state = job.state
        pthread_mutex_unlock(mutex)
        if case .leading = state { lead(until: job) }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard case .done(let outcome) = job.state else { preconditionFailure("a write's batch ended without it") }
        return outcome
    }

    /// Runs batches until `mine` is done, then hands the lead to the next waiting thread (or,
    /// with only statements written behind left, runs those too).
    private func lead(until mine: Job) {
        let me = UInt(pthread_self())
        owner.store(me, ordering: .relaxed)
        // Only if it is still ours: the next leader may already have stored its own.
        defer { _ = owner.compareExchange(expected: me, desired: 0, ordering: .relaxed) }
        let ownNiceness = raisePriority()
        defer { if let ownNiceness { ThreadPriority.set(ownNiceness) } }
        var mineDone = false
        while true {
            pthread_mutex_lock(mutex)
            if mineDone, let next = queue.first(where: { $0.wakeUp != nil }) {
                next.state = .leading
                pthread_cond_signal(next.wakeUp!)
                pthread_mutex_unlock(mutex)
                return
            }
            if queue.isEmpty {
                leading = false
                pthread_mutex_unlock(mutex)
                return
            }
            // A batch: every transactional write queued, up to the first exclusive one.
            let batch: [Job]
            if queue[0].isExclusive {
                batch = [queue.removeFirst()]
            } else {
                let end = queue.firstIndex(where: \.isExclusive) ?? queue.count
                batch = Array(queue[..<end])
                queue.removeSubrange(..<end)
            }
            pthread_mutex_unlock(mutex)

            let outcome = batch[0].isExclusive ? runAlone(batch[0]) : run(batch)
            // After the commit (or rollback), before anyone is woken: a cache that read the count
            // before its rows can never keep rows older than these writes.
            changes.add(UInt64(batch.count), ordering: .sequentiallyConsistent)
            transactions.add(1, ordering: .relaxed)
            pthread_mutex_lock(mutex)
            if case .failed(let error) = outcome, batch.contains(where: { $0.wakeUp == nil }) {
                Log.error("SQLite write-behind statements lost with their transaction: \(error)")
            }
            for job in batch {
                job.work = nil
                job.state = .done(outcome)
                if job !== mine, let wakeUp = job.wakeUp { pthread_cond_signal(wakeUp) }
                if job === mine { mineDone = true }
            }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Sets this thread's nice value to `leaderNiceness` if that raises its priority; returns
    /// the value to go back to, or nil when nothing changed.
    private func raisePriority() -> Int32? {
        guard leaderNiceness != 0, mayRaisePriority.load(ordering: .relaxed),
              let own = ThreadPriority.niceness(), own > leaderNiceness else { return nil }
        guard ThreadPriority.set(leaderNiceness) else {
            if mayRaisePriority.exchange(false, ordering: .relaxed) {
                Log.info("SQLite write leaders keep their nice value: \(leaderNiceness) needs root or CAP_SYS_NICE (\(String(cString: strerror(errno))))")
            }
            return nil
        }
        return own
    }

    /// One transaction for the whole batch.
    private func run(_ batch: [Job]) -> Job.Outcome {
        guard let connection else { return .failed(Self.closedError) }
        do {
            try connection.execute("BEGIN IMMEDIATE", [])
        } catch {
            return .failed(error)
        }
        for job in batch {
            job.work?(connection)
            guard connection.isInTransaction else {
                // SQLite rolled the whole transaction back (SQLITE_FULL, an I/O error…): the
                // bodies before this one lost their writes too, and the rest cannot run in it.
                return .failed(DatabaseError.sqlite(code: SQLITE_ERROR, message: "the write transaction was rolled back", sql: ""))
            }
        }
        do {
            try connection.execute("COMMIT", [])
            return .committed
        } catch {
            if connection.isInTransaction { try? connection.executeScript("ROLLBACK;") }
            return .failed(error)
        }
    }

    private func runAlone(_ job: Job) -> Job.Outcome {
        guard let connection else { return .failed(Self.closedError) }
        job.work?(connection)
        return .committed
    }

    /// `body` inside a savepoint of the open transaction: kept if it returns, undone if it throws.
    private static func member<T>(_ body: (SQLiteConnection) throws -> T, on connection: SQLiteConnection) throws -> T {
        try connection.execute("SAVEPOINT member", [])
        do {
            let result = try body(connection)
            try connection.execute("RELEASE member", [])
            return result
        } catch {
            if connection.isInTransaction {
                do {
                    try connection.execute("ROLLBACK TO member", [])
                    try connection.execute("RELEASE member", [])
                } catch {
                    // The savepoint cannot be undone on its own: give up the whole transaction
                    // (the batch sees it ended and fails).
                    try? connection.executeScript("ROLLBACK;")
                }
            }
            throw error
        }
    }

    static let closedError = DatabaseError.sqlite(code: SQLITE_MISUSE, message: "database is closed", sql: "")
}
