import Foundation
import Support
import Synchronization

/// PostgreSQL through libpq: a bounded pool of connections shared by reads and writes,
/// opened on demand and dropped when the server has gone, so service comes back by itself
/// when the server does.
///
/// Writes keep SQLite's meaning across every instance on the database: each write
/// transaction first takes one transaction-scoped advisory lock (`writeLockKey`), so write
/// transactions run one at a time cluster-wide, and every check-then-write the app does
/// ("fewer than 5 failures? then record one", "is this event still unclaimed?") is as safe
/// with three instances as with one process. A keyed write (`write(lockingOn:)`) takes that
/// lock shared and one lock per key, so keyed writes on different keys run side by side.
/// Reads run concurrently, a statement at a time.
///
/// Round trips, not statements, are what a write costs (a context switch and a loopback or
/// network exchange each): statements go out together where they can (libpq's pipeline mode):
/// a transaction's BEGIN and locks with its first statement, its commit with `finalQueries`.
public final class PostgreSQLDatabase: Database, @unchecked Sendable {
    /// Shown in logs and errors without the password.
    public let displayName: String
    public let poolSize: Int

    private let conninfo: String
    private let connectTimeoutSeconds: Int
    private let statementTimeoutMilliseconds: Int
    private let pool = NSCondition()
    private var idle: [PostgreSQLConnection] = []   // guarded by pool
    private var opened = 0                          // idle + lent out; guarded by pool
    private var isClosed = false                    // guarded by pool
    private let changes = Atomic<UInt64>(0)
    /// Numbers this process's write transactions, for waiting until each is heard.
    private let writeSequence = Atomic<UInt64>(0)
    /// Thread-dictionary key marking "this thread has a connection of this pool".
    private let holderKey = "twofa.PostgreSQLDatabase.holder.\(UUID().uuidString)"
    /// Started by the first look at `changeCount` (servers cache; commands never look).
    private var listener: PostgreSQLChangeListener?   // guarded by pool

    /// The advisory lock every write transaction takes ("twofa" in ASCII). Any number would
    /// do, as long as every instance uses the same one.
    public static let writeLockKey: Int64 = 0x74_77_6F_66_61

    /// `url`: anything libpq accepts (`postgres://…`, `postgresql://…`, `host=/socket dbname=…`).
    /// Connects once now, so a wrong URL or password stops start-up with libpq's message.
    public init(url: String, poolSize: Int, connectTimeoutSeconds: Int = 5,
                statementTimeoutMilliseconds: Int = 5000) throws {
        precondition(poolSize > 0, "poolSize must be positive")
        conninfo = url
        displayName = Self.redacted(url)
        self.poolSize = poolSize
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        do {
            idle.append(try connect())
        } catch DatabaseError.unavailable(let message) {
            throw DatabaseError.open(path: displayName, message: message)
        }
        opened = 1
    }

    deinit { close() }

    public func close() {
        pool.lock()
        let listener = self.listener
        self.listener = nil
        pool.unlock()
        listener?.stop()
        pool.lock()
        isClosed = true
        pool.broadcast()
        while opened > idle.count { pool.wait() }
        for connection in idle { connection.close() }
        idle.removeAll()
        opened = 0
        pool.unlock()
    }

    // MARK: Database

    /// Each statement runs on its own (autocommit, READ COMMITTED, read-only by the session's
    /// default): one round trip per query, where BEGIN … COMMIT would take three. A read thus
    /// sees data committed before each of its statements, not one snapshot for all; a read
    /// that needs one snapshot for several statements belongs in `write`.
    public func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        try withConnection(body)
    }

    /// Answers only once every instance's listener has counted it (acknowledged), so that
    /// what it changed (a session ended, rotated, revoked) is refused everywhere at once.
    public func write<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        try transaction(begin: [Self.begin, ("SELECT pg_advisory_xact_lock(?)", [.integer(Self.writeLockKey)])],
                        acknowledged: true) {
            try body($0)
        }
    }

    /// The cluster-wide lock shared (a plain `write` waits for every keyed one, and they for
    /// it), then each key's lock in one order, so two keyed writers never wait in a cycle.
    public func write<T>(lockingOn keys: [String], _ body: (DatabaseConnection) throws -> T) throws -> T {
        let locks = Set(keys.map(Self.lockKey)).sorted().map {
            (sql: "SELECT pg_advisory_xact_lock(?)", parameters: [SQLValue.integer($0)])
        }
        let shared = (sql: "SELECT pg_advisory_xact_lock_shared(?)", parameters: [SQLValue.integer(Self.writeLockKey)])
        return try transaction(begin: [Self.begin, shared] + locks, body)
    }

    /// A key's advisory lock number: FNV-1a of its UTF-8, the same in every instance (Swift's
    /// `hashValue` is seeded per process). Two keys sharing a number only wait for each other.
    static func lockKey(_ key: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int64(bitPattern: hash)
    }

    /// PostgreSQL commits each statement on its own connection: nothing to batch, so it waits.
    public func writeBehind(_ sql: String, _ parameters: [SQLValue]) throws {
        _ = try writeStatement(sql, parameters)
    }

    /// BEGIN, the statement and COMMIT in one round trip, telling no listener (see the protocol).

    public func writeStatement(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        defer { changes.add(1, ordering: .sequentiallyConsistent) }
        return try withConnection { connection in
            do {
                return try connection.queries([Self.begin, (sql, parameters), ("COMMIT", [])])[1]
            } catch {
                if connection.isInTransaction { try? connection.command("ROLLBACK") }
                throw error
            }
        }
    }

    private static let begin: SQLStatement = ("BEGIN READ WRITE", [])
    /// The listeners on this database, every instance's (their connections' application name).
    private static let countListeners: SQLStatement = ("""
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?
        """, [.text(PostgreSQLChangeListener.applicationName)])

    /// Runs `body` in a transaction that `begin` opens, rolling back if it throws; the commit
    /// tells every instance's change listener (PostgreSQLChangeListener). `begin` travels with
    /// the body's first statement, a body that runs none costs no round trip, and one that
    /// ends with `finalQueries` has the commit sent with them.
    /// `acknowledged`: the writer then waits until every listener on the database (counted in
    /// `pg_stat_activity`) has acknowledged the write, not only its own.
    private func transaction<T>(begin: [SQLStatement], acknowledged: Bool = false,
                                _ body: (PostgreSQLConnection) throws -> T) throws -> T {
        defer { changes.add(1, ordering: .sequentiallyConsistent) }
        let listener = currentListener()
        let asksAcknowledgement = acknowledged && listener != nil
        let sequence = writeSequence.add(1, ordering: .sequentiallyConsistent).newValue
        // Delivered at the commit to every instance's listener, this one's included.
        let payload = listener?.payload(sequence, acknowledged: asksAcknowledgement) ?? ""
        let commit: [SQLStatement] = [
            ("SELECT pg_notify(?, ?)", [.text(PostgreSQLChangeListener.channel), .text(payload)]),
            ("COMMIT", []),
        ]
        var committed = false
        var listeners = 0
        let result = try withConnection { connection in
            connection.holdBack(begin)
            connection.commitStatements = commit   // for a body that ends with `finalQueries`
            defer { connection.commitStatements = nil }
            do {
                let result = try body(connection)
                if connection.dropHeldBack() { return result }   // nothing ran: nothing to commit
                if connection.commitStatements != nil {
                    // The listeners are counted in the commit's round trip, after it.
                    let rows = try connection.queries(commit + (asksAcknowledgement ? [Self.countListeners] : []))
                    listeners = rows.last?.first?.int("n") ?? 0
                } else if asksAcknowledgement {
                    listeners = try connection.queries([Self.countListeners])[0].first?.int("n") ?? 0
                }
                committed = true
                return result
            } catch {
                _ = connection.dropHeldBack()
                if connection.isInTransaction { try? connection.command("ROLLBACK") }
                throw error
            }
        }
        // Answer only once the other instances can have heard it too (PostgreSQLChangeListener).
        if committed {
            listener?.waitUntilHeard(sequence)
            if asksAcknowledgement { listener?.waitUntilAcknowledged(sequence, by: listeners) }
        }
        return result
    }

    /// The connection with no transaction around `body`, and writable (CREATE DATABASE cannot
    /// run in a transaction). Nothing serialises these across instances: a body that needs it
    /// takes its own locks (the migrator uses `write`).
    public func writeWithoutTransaction<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        defer { changes.add(1, ordering: .sequentiallyConsistent) }
        return try withConnection { connection in
            try connection.command("SET default_transaction_read_only = off")
            defer {
                if connection.isInTransaction {
                    Log.error("PostgreSQL connection was left inside a transaction; rolling back")
                    try? connection.command("ROLLBACK")
                }
                // If this fails the connection is broken, and the pool drops it.
                try? connection.command("NOTIFY \(PostgreSQLChangeListener.channel); SET default_transaction_read_only = on")
            }
            return try body(connection)
        }
    }

    /// This instance's writes plus every write heard from any process on the database; nil
    /// until the listener is connected, and whenever it is not.
    public var changeCount: UInt64? {
        pool.lock()
        if listener == nil && !isClosed {
            // Its own connection, made like the pool's (the closure keeps no reference to self).
            let (info, connectTimeout, statementTimeout) = (conninfo, connectTimeoutSeconds, statementTimeoutMilliseconds)
            listener = PostgreSQLChangeListener {
                try PostgreSQLConnection(conninfo: info, connectTimeoutSeconds: connectTimeout,
                                         statementTimeoutMilliseconds: statementTimeout,
                                         applicationName: PostgreSQLChangeListener.applicationName)
            }
        }
        let listener = self.listener
        pool.unlock()
        guard let heard = listener?.heard else { return nil }
        return changes.load(ordering: .sequentiallyConsistent) &+ heard
    }

    private func currentListener() -> PostgreSQLChangeListener? {
        pool.lock()
        defer { pool.unlock() }
        return listener
    }

    // MARK: Pool

    /// Lends a connection for `body`: an idle one, a new one while the pool has room, or
    /// the next one returned (bounded wait). Broken connections are closed, not returned.
    private func withConnection<T>(_ body: (PostgreSQLConnection) throws -> T) throws -> T {
        // Every call goes over the network: never on an event loop.
        try BlockingGuard.check()
        // A read inside a write (or any nesting) must not wait for a connection: the pool could
        // be full of writers waiting for the lock this thread's transaction holds.
        let thread = Thread.current
        let nested = thread.threadDictionary[holderKey] != nil
        let connection = try checkOut(nested: nested)
        if !nested { thread.threadDictionary[holderKey] = true }
        defer {
            if !nested { thread.threadDictionary[holderKey] = nil }
            checkIn(connection)
        }
        return try body(connection)
    }

    private func checkOut(nested: Bool) throws -> PostgreSQLConnection {
        pool.lock()
        let deadline = Date(timeIntervalSinceNow: Double(statementTimeoutMilliseconds) / 1000)
        while idle.isEmpty && opened >= poolSize && !isClosed && !nested {
            guard pool.wait(until: deadline) else {
                pool.unlock()
                throw DatabaseError.unavailable(message: "all \(poolSize) connections busy (DATABASE_POOL)")
            }
        }
        if isClosed {
            pool.unlock()
            throw DatabaseError.unavailable(message: "database is closed")
        }
        while let connection = idle.popLast() {
            if connection.isOpenOnServer {
                pool.unlock()
                return connection
            }
            connection.close()   // the server went away since it was last used
            opened -= 1
        }
        opened += 1
        pool.unlock()
        do {
            return try connect()
        } catch {
            pool.lock()
            opened -= 1
            pool.signal()
            pool.unlock()
            throw error
        }
    }

    private func checkIn(_ connection: PostgreSQLConnection) {
        pool.lock()
        defer { pool.unlock() }
        if connection.isHealthy && !connection.isInTransaction && !isClosed {
            idle.append(connection)
        } else {
            connection.close()
            opened -= 1
        }
        pool.broadcast()   // a waiting borrower, or close()
    }

    private func connect() throws -> PostgreSQLConnection {
        try PostgreSQLConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeoutSeconds,
                                 statementTimeoutMilliseconds: statementTimeoutMilliseconds)
    }

    // MARK: Names

    /// Whether `url` names PostgreSQL rather than a SQLite file.
    public static func handles(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    /// The URL without its password, for logs: `postgres://twofa:•••@db/twofa`; a
    /// `password=` parameter (URL query or `key=value` form) is masked too.
    public static func redacted(_ url: String) -> String {
        var text = url.replacingOccurrences(of: #"(password=)[^&\s]*"#, with: "$1•••", options: .regularExpression)
        guard let schemeEnd = text.range(of: "://"),
              let at = text[schemeEnd.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        text = String(text[..<colon]) + ":•••" + String(text[at...])
        return text
    }
}
