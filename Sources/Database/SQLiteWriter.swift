import CSQLite
import Glibc
import Support
import Synchronization

/// The one writer connection of an `SQLiteDatabase`, with group commit.
///
/// SQLite has one writer at a time, and in WAL mode most of a small write transaction's cost
/// is its commit (the WAL frames of every page it touched, the wal-index update). So write
/// transactions that queue behind each other share one: the thread holding the writer runs its
/// body inside a SAVEPOINT of the open transaction and, if other writes are waiting, hands the
/// connection to the next one instead of committing. The last body of the group (the one that
/// finds nobody waiting) commits for all. Every member returns only after that commit, so an
/// answer never precedes the commit that makes it true; if the commit fails, every member
/// throws. A body that throws undoes only its own statements (ROLLBACK TO its savepoint), as
/// a transaction of its own would have; the others in its group are unaffected.
///
/// Each body still runs on its own thread (thread-local state, such as `BlockingGuard`, stays
/// right) and sees the rows of the bodies before it in its group, as it would have seen them
/// committed. A group is at most as large as the number of threads waiting to write, so
/// nothing waits for a timer: an idle server commits each write at once.
final class SQLiteWriter: @unchecked Sendable {
    /// One write transaction shared by the members of a group.
    private final class Group {
        enum State { case open, committed, failed(Error) }
        var state = State.open   // guarded by the writer's mutex
        var members = 0          // used only by the holder
    }

    private var connection: SQLiteConnection?   // used only by the holder; nil once closed
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let writerFree = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let groupSettled = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var held = false     // guarded by mutex: a thread is using the connection
    private var waiting = 0      // guarded by mutex: threads waiting for it
    private var group: Group?    // the transaction left open for the next member: read and written by the holder only
    private var behind: [(sql: String, parameters: [SQLValue])] = []   // guarded by mutex: see `writeBehind`
    private var closed = false   // guarded by mutex

    /// The thread holding the writer (`pthread_self()`), 0 when none: a nested write on the same
    /// thread would deadlock, so it is refused. Only the holder stores its own id and clears it.
    private let owner = Atomic<UInt>(0)

    /// Goes up by one for each write once its transaction has ended (committed or not): see
    /// `Database.changeCount`.
    let changes = Atomic<UInt64>(0)
    /// Transactions ended (a group counts once): how tests see that writes shared commits.
    let transactions = Atomic<UInt64>(0)

    init(_ connection: SQLiteConnection) {
        self.connection = connection
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(writerFree, nil)
        pthread_cond_init(groupSettled, nil)
    }

    deinit {
        connection?.close()
        pthread_cond_destroy(groupSettled)
        pthread_cond_destroy(writerFree)
        pthread_mutex_destroy(mutex)
        groupSettled.deallocate()
        writerFree.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` as a write transaction (BEGIN IMMEDIATE … COMMIT), possibly sharing the
    /// transaction with other threads' writes (see the type's comment). Returns after the commit.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let open = try acquire()
        guard let connection else {
            release()
            throw Self.closedError
        }
        let group: Group
        if let open {
            group = open
        } else {
            do {
                try connection.execute("BEGIN IMMEDIATE", [])
            } catch {
                release()
                changes.add(1, ordering: .sequentiallyConsistent)
                transactions.add(1, ordering: .relaxed)
                throw error
            }
            group = Group()
            self.group = group
        }
        group.members += 1
        let result = Result { try Self.member(body, on: connection) }
        owner.store(0, ordering: .relaxed)
        if case .failure(let error) = result { settleIfEnded(group, on: connection, error) } else { settleIfEnded(group, on: connection, nil) }

        pthread_mutex_lock(mutex)
        while case .open = group.state, !behind.isEmpty {
            // Statements written behind while this body ran: they ride along in this transaction.
            let batch = behind
            behind.removeAll()
            pthread_mutex_unlock(mutex)
            run(batch, in: group, on: connection)
            settleIfEnded(group, on: connection, nil)
            pthread_mutex_lock(mutex)
        }
        if case .open = group.state, waiting > 0 {
            // Hand the open transaction to the next writer; the last one commits for all.
            held = false
            pthread_cond_signal(writerFree)
            while case .open = group.state { pthread_cond_wait(groupSettled, mutex) }
            let state = group.state
            pthread_mutex_unlock(mutex)
            return try Self.outcome(of: result, state)
        }
        pthread_mutex_unlock(mutex)
        if case .open = group.state { commit(group, on: connection) }   // this thread holds it: no one else settles it
        let state = group.state
        releaseAfterBehind(on: connection)
        return try Self.outcome(of: result, state)
    }

    /// Queues a statement whose commit nobody waits for: it runs in the transaction of a write
    /// already holding the writer (or, with none, at once), in a savepoint of its own. For a record
    /// whose loss in a crash is already accepted (a message's "sent" mark: the crash could as well
    /// have come just before it), so the sender answers without waiting for one more commit.
    /// A statement that fails is logged (without its values), never thrown to anyone.
    func writeBehind(_ sql: String, _ parameters: [SQLValue]) throws {
        pthread_mutex_lock(mutex)
        if held && !closed {
            behind.append((sql, parameters))   // the holder runs it before it lets the writer go
            pthread_mutex_unlock(mutex)
            return
        }
        pthread_mutex_unlock(mutex)
        try write { try $0.execute(sql, parameters) }
    }

    /// Runs `body` alone on the connection, outside any transaction of the writer's own (the
    /// migrator's, a read with no reader pool): a group left open is committed first.
    func exclusive<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let open = try acquire()
        defer {
            changes.add(1, ordering: .sequentiallyConsistent)
            transactions.add(1, ordering: .relaxed)
            release()
        }
        guard let connection else { throw Self.closedError }
        if let open { commit(open, on: connection) }
        flushBehind(on: connection)
        return try body(connection)
    }

    /// Commits a group left open, closes the connection; later calls throw.
    func close() {
        let open: Group?
        do { open = try acquire() } catch { return }   // only on an event loop, which never closes
        if let connection {
            if let open { commit(open, on: connection) }
            flushBehind(on: connection)
            connection.close()
        }
        connection = nil
        pthread_mutex_lock(mutex)
        closed = true
        pthread_mutex_unlock(mutex)
        release()
    }

    /// Threads waiting for the connection now (for tests that line writers up into a group).
    var waitingWriters: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return waiting
    }

    // MARK: Members and groups

    /// Runs statements queued by `writeBehind` inside `group`'s open transaction, each in a
    /// savepoint of its own.
    private func run(_ batch: [(sql: String, parameters: [SQLValue])], in group: Group, on connection: SQLiteConnection) {
        group.members += batch.count
        for statement in batch where connection.isInTransaction {
            do {
                try Self.member({ try $0.execute(statement.sql, statement.parameters) }, on: connection)
            } catch {
                Log.error("SQLite write-behind statement failed (\(statement.sql)): \(error)")
            }
        }
    }

    /// If SQLite rolled the whole transaction back under a member (SQLITE_FULL, an I/O error…),
    /// the members before it lost their writes too: the group fails.
    private func settleIfEnded(_ group: Group, on connection: SQLiteConnection, _ error: Error?) {
        guard !connection.isInTransaction, case .open = group.state else { return }
        settle(group, .failed(error ?? DatabaseError.sqlite(code: SQLITE_ERROR, message: "the write transaction ended unexpectedly", sql: "")))
    }

    /// Statements queued by `writeBehind` in a transaction of their own (the holder has none
    /// open). False if they could not even begin one: they stay queued for the next write.
    @discardableResult
    private func flushBehind(on connection: SQLiteConnection) -> Bool {
        pthread_mutex_lock(mutex)
        let none = behind.isEmpty
        pthread_mutex_unlock(mutex)
        if none { return true }
        do {
            try connection.execute("BEGIN IMMEDIATE", [])
        } catch {
            Log.error("SQLite write-behind statements wait for the next write: \(error)")
            return false
        }
        let group = Group()
        pthread_mutex_lock(mutex)
        let batch = behind
        behind.removeAll()
        pthread_mutex_unlock(mutex)
        run(batch, in: group, on: connection)
        if connection.isInTransaction { commit(group, on: connection) } else { settle(group, .failed(Self.closedError)) }
        return true
    }

    /// Lets the writer go, unless statements were queued behind while it committed and nobody is
    /// waiting to take them along: those it commits first.
    private func releaseAfterBehind(on connection: SQLiteConnection) {
        while true {
            pthread_mutex_lock(mutex)
            if behind.isEmpty || waiting > 0 {
                held = false
                pthread_cond_signal(writerFree)
                pthread_mutex_unlock(mutex)
                return
            }
            pthread_mutex_unlock(mutex)
            if !flushBehind(on: connection) {
                pthread_mutex_lock(mutex)
                held = false
                pthread_cond_signal(writerFree)
                pthread_mutex_unlock(mutex)
                return
            }
        }
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
                    // (the caller sees it ended and fails the group).
                    try? connection.executeScript("ROLLBACK;")
                }
            }
            throw error
        }
    }

    /// COMMIT (ROLLBACK if that fails), then wakes the group's members.
    private func commit(_ group: Group, on connection: SQLiteConnection) {
        do {
            try connection.execute("COMMIT", [])
            settle(group, .committed)
        } catch {
            if connection.isInTransaction { try? connection.executeScript("ROLLBACK;") }
            settle(group, .failed(error))
        }
    }

    private func settle(_ group: Group, _ state: Group.State) {
        // After the commit (or rollback): a cache that read the count before its rows can never
        // keep rows older than these writes.
        changes.add(UInt64(group.members), ordering: .sequentiallyConsistent)
        transactions.add(1, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        group.state = state
        if self.group === group { self.group = nil }
        pthread_cond_broadcast(groupSettled)
        pthread_mutex_unlock(mutex)
    }

    /// The member's own answer once its group has ended: its result if the group committed (or
    /// its own error: its statements were undone either way), the group's error if not.
    private static func outcome<T>(of result: Result<T, Error>, _ state: Group.State) throws -> T {
        switch (state, result) {
        case (_, .failure(let error)): throw error
        case (.failed(let error), .success): throw error
        case (_, .success(let value)): return value
        }
    }

    // MARK: Holding the connection

    /// Waits for the connection; returns the transaction a previous holder left open, if any.
    private func acquire() throws -> Group? {
        // The writer may wait for other threads' writes: never on an event loop.
        try BlockingGuard.check()
        let me = UInt(pthread_self())
        precondition(owner.load(ordering: .relaxed) != me, "nested write on the same SQLiteDatabase would deadlock")
        pthread_mutex_lock(mutex)
        if held {
            waiting += 1
            while held { pthread_cond_wait(writerFree, mutex) }
            waiting -= 1
        }
        held = true
        let open = group
        pthread_mutex_unlock(mutex)
        owner.store(me, ordering: .relaxed)
        return open
    }

    private func release() {
        owner.store(0, ordering: .relaxed)
        releaseHeld()
    }

    private func releaseHeld() {
        pthread_mutex_lock(mutex)
        held = false
        pthread_cond_signal(writerFree)
        pthread_mutex_unlock(mutex)
    }

    static let closedError = DatabaseError.sqlite(code: SQLITE_MISUSE, message: "database is closed", sql: "")
}
