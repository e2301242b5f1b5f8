import CSQLite
import Foundation
import Support

/// SQLite in WAL mode: one writer connection (SQLite allows one writer at a time anyway, and
/// queuing in-process beats spinning on SQLITE_BUSY), whose writes that queue up share one
/// commit (`SQLiteWriter`), and a pool of read-only connections that run concurrently with it
/// and with each other.
///
/// Connections are opened with SQLITE_OPEN_NOMUTEX; the locks here are what keep each
/// connection on one thread at a time. Do not nest `write` inside `write` (it would
/// deadlock; a precondition catches it), and do not keep a connection after its closure returns.
/// A `read` inside a `write` uses a reader, so it does not see the write's uncommitted rows
/// (and with `readers: 0` it is a nested write, caught by the same precondition).
public final class SQLiteDatabase: Database, @unchecked Sendable {
    public let path: String
    /// See `SQLiteCheckpointer`: 64 MB of 4 KiB pages.
    public static let defaultWALRestartPages: Int32 = 16_000

    private let writer: SQLiteWriter?               // nil when opened for reading only
    private var checkpointer: SQLiteCheckpointer?   // set in init (nil with no reader pool); guarded by readerPool after

    private let readerPool = NSCondition()
    private var idleReaders: [SQLiteConnection] = [] // guarded by readerPool
    private var readersCheckedOut = 0               // guarded by readerPool
    private var isClosed = false                    // guarded by readerPool
    private let readerCount: Int

    /// Opens (creating if needed) the database at `path`, creating its parent directory.
    /// With `readers: 0` reads share the writer connection (and its lock); that is also
    /// the only way to use ":memory:", since each in-memory connection is its own database.
    /// `writerNiceness`: the nice value a thread runs at while it leads a batch of writes (see
    /// `SQLiteWriter`; 0 leaves it alone). `walRestartPages`: see `SQLiteCheckpointer`.
    public init(path: String, readers: Int = 4, busyTimeoutMilliseconds: Int32 = 5000, writerNiceness: Int32 = 0,
                walRestartPages: Int32 = SQLiteDatabase.defaultWALRestartPages) throws {
        precondition(readers >= 0, "readers must not be negative")
        if readers > 0 && (path == ":memory:" || path.isEmpty || path.hasPrefix("file:")) {
            throw DatabaseError.open(path: path, message:
                "in-memory, temporary and URI databases cannot be shared by a reader pool; use a file path or readers: 0")
        }
        self.path = path
        self.readerCount = readers

        if path != ":memory:" && !path.isEmpty {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw DatabaseError.open(path: path, message: "cannot create directory \(directory): \(error.localizedDescription)")
                }
            }
        }

        // A file we create is 0600 (SQLiteConnection.createPrivately); one made before keeps its mode.
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            Log.warning("SQLite database \(path) is readable by other users (mode \(String(mode, radix: 8))); "
                        + "its -wal and -shm will be too: chmod 600 it")
        }
        // The writer first: it creates the file and switches it to WAL, which is
        // persistent, so read-only connections opened afterwards find it ready.
        let writer = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        do {
            let mode = try writer.queryOne("PRAGMA journal_mode = WAL")?.string("journal_mode")
            if mode != "wal" && path != ":memory:" {
                Log.warning("SQLite at \(path) is in journal mode \(mode ?? "unknown"), not WAL; reads will block writes")
            }
            // NORMAL is safe in WAL mode (no corruption on power loss; the last commits may roll back).
            // The writer keeps SQLite's default page cache (2 MB): a 64 MiB one, tried for the index
            // pages every write touches, made writes on large tables slower, not faster (Verify
            // checks on an 88 MB file −22 %, starts −13 %, and the raw-SQLite baseline the same;
            // BENCHMARKS.md, "The write path, third pass"). The kernel's page cache holds the file.
            try writer.executeScript("PRAGMA synchronous = NORMAL;")
            // Read-only: a stray INSERT in a `read` closure fails instead of racing the writer.
            for _ in 0..<readers {
                idleReaders.append(try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: busyTimeoutMilliseconds))
            }
        } catch {
            writer.close()
            throw error
        }
        let sqliteWriter = SQLiteWriter(writer, leaderNiceness: writerNiceness)
        self.writer = sqliteWriter
        // A file shared by a reader pool is busy enough to want its checkpoints off the writer.
        if readers > 0 {
            checkpointer = try SQLiteCheckpointer(path: path, writer: sqliteWriter, busyTimeoutMilliseconds: busyTimeoutMilliseconds,
                                                  restartPages: walRestartPages)
        }
    }

    /// Opens an existing file of another application for reading only (`twofa users import
    /// --rails`): no WAL switch, no writer, nothing in the file changes; `write` throws.
    public init(readingOnly path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw DatabaseError.open(path: path, message: "no such file") }
        self.path = path
        readerCount = 1
        idleReaders = [try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: busyTimeoutMilliseconds)]
        writer = nil
    }

    deinit { close() }

    /// Closes every connection, waiting for reads in progress to finish. Later calls throw.
    public func close() {
        readerPool.lock()
        isClosed = true
        readerPool.broadcast()
        while readersCheckedOut > 0 { readerPool.wait() }
        for reader in idleReaders { reader.close() }
        idleReaders.removeAll()
        let checkpointer = self.checkpointer
        self.checkpointer = nil
        readerPool.unlock()

        writer?.close()
        checkpointer?.close()   // after the writer: its commits call into the checkpointer
    }

    // MARK: Database

    public func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        if readerCount == 0 { return try exclusiveWriter { try transaction($0, begin: "BEGIN DEFERRED", body) } }
        let reader = try checkOutReader()
        defer { checkIn(reader) }
        return try transaction(reader, begin: "BEGIN DEFERRED", body)
    }

    /// Runs `body` between `begin` and COMMIT, rolling back if it throws.
    /// Reads use BEGIN DEFERRED: every query in one `read` sees the same snapshot (without a
    /// transaction each statement could see a different committed state). Writes use BEGIN
    /// IMMEDIATE, which takes the write lock now, so a transaction never fails halfway with
    /// SQLITE_BUSY when it first writes (another process may hold the file).
    private func transaction<T>(_ connection: SQLiteConnection, begin: String,
                                _ body: (DatabaseConnection) throws -> T) throws -> T {
        // Through the statement cache: sqlite3_exec would parse these again on every request.
        try connection.execute(begin, [])
        do {
            let result = try body(connection)
            try connection.execute("COMMIT", [])
            return result
        } catch {
            // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL).
            if connection.isInTransaction { try? connection.executeScript("ROLLBACK;") }
            throw error
        }
    }

    public func write<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        guard let writer else { throw Self.closedError }
        return try writer.write(body)
    }

    public func write<T>(lockingOn keys: [String], _ body: (DatabaseConnection) throws -> T) throws -> T {
        try write(body)
    }

    public func writeStatement(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        try write { try $0.query(sql, parameters) }
    }

    public func writeBehind(_ sql: String, _ parameters: [SQLValue]) throws {
        guard let writer else { throw Self.closedError }
        try writer.writeBehind(sql, parameters)
    }

    public func writeWithoutTransaction<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        try exclusiveWriter { connection in
            defer {
                // A body that left a transaction open would poison every later write.
                if connection.isInTransaction {
                    Log.error("SQLite writer was left inside a transaction; rolling back")
                    try? connection.executeScript("ROLLBACK;")
                }
            }
            return try body(connection)
        }
    }

    public var changeCount: UInt64? { writer?.changes.load(ordering: .sequentiallyConsistent) ?? 0 }

    /// Threads waiting for the writer now (tests line writes up into one group with it).
    var writersWaiting: Int { writer?.waitingWriters ?? 0 }
    /// Write transactions ended so far (several writes may share one).
    var transactionCount: UInt64 { writer?.transactions.load(ordering: .relaxed) ?? 0 }

    // MARK: Connections

    private func exclusiveWriter<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        guard let writer else { throw Self.closedError }
        return try writer.exclusive(body)
    }

    /// Blocks until a reader is free: bounded concurrency rather than unbounded connections.
    private func checkOutReader() throws -> SQLiteConnection {
        readerPool.lock()
        defer { readerPool.unlock() }
        if idleReaders.isEmpty && !isClosed { try BlockingGuard.check() }   // no waiting on an event loop
        while idleReaders.isEmpty && !isClosed { readerPool.wait() }
        if isClosed { throw Self.closedError }
        readersCheckedOut += 1
        return idleReaders.removeLast()
    }

    private func checkIn(_ reader: SQLiteConnection) {
        readerPool.lock()
        idleReaders.append(reader)
        readersCheckedOut -= 1
        readerPool.broadcast()   // wakes both waiting readers and a waiting close()
        readerPool.unlock()
    }

    private static let closedError = SQLiteWriter.closedError
}
