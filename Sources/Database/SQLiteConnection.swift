import CSQLite
import Foundation

/// One SQLite connection. Opened with SQLITE_OPEN_NOMUTEX, so it is not thread-safe
/// by itself: `SQLiteDatabase` guarantees one thread at a time uses it.
final class SQLiteConnection: DatabaseConnection {
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]
    /// The same statements by where their text lives: SQL comes as string literals, whose
    /// bytes stay put, and hashing a pointer beats hashing a 1,000-character SELECT on every
    /// call. A hit is confirmed by comparing the bytes (an address can be reused by other text).
    private var statementsByAddress: [TextAddress: SQLiteStatement] = [:]

    private struct TextAddress: Hashable {
        let base: UInt
        let count: Int
    }

    init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int32) throws {
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        if !readOnly { try Self.createPrivately(path) }
        _ = Self.libraryConfigured
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw DatabaseError.open(path: path, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        do {
            // Per-connection setting: SQLite leaves foreign keys off unless asked.
            try executeScript("PRAGMA foreign_keys = ON;")
        } catch {
            close()
            throw DatabaseError.open(path: path, message: "\(error)")
        }
    }

    /// Library-wide settings, made once before the first connection opens (SQLite accepts
    /// them only before it initialises). Memory statistics off: nothing here reads them, and
    /// they cost a global mutex on every SQLite allocation, across all connections' threads.
    /// Should another part of the process have initialised SQLite first, the call is refused
    /// (SQLITE_MISUSE) and the default stays: slower, never wrong.
    private static let libraryConfigured: Void = {
        _ = twofa_sqlite3_disable_memory_statistics()
    }()

    deinit { close() }

    func close() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        statementsByAddress.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    // MARK: DatabaseConnection

    func execute(_ sql: String, _ parameters: [SQLValue]) throws {
        _ = try statement(for: sql).run(parameters, collectRows: false)
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        try statement(for: sql).run(parameters, collectRows: true)
    }

    func queries(_ statements: [SQLStatement]) throws -> [[Row]] {
        try statements.map { try query($0.sql, $0.parameters) }
    }

    func finalQueries(_ statements: [SQLStatement]) throws -> [[Row]] {
        try queries(statements)   // the commit follows the body
    }

    func queryOne(_ sql: String, _ parameters: [SQLValue]) throws -> Row? {
        try query(sql, parameters).first
    }

    func executeScript(_ sql: String) throws {
        let db = try open()
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(message)
            throw Self.error(code: rc, extendedCode: sqlite3_extended_errcode(db), message: text, sql: sql)
        }
    }

    var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }
    var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// True while a transaction is open (SQLite may end one by itself after some errors).
    var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// The raw handle, for C APIs that take two connections (the online backup).
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) throws -> T { try body(try open()) }

    // MARK: Internals

    /// SQLite would create a new database file 0644 (less the umask); ours hold password
    /// digests and keys, so an absent file is made here first, empty and mode 0600 (an empty
    /// file is an empty database). SQLite gives the -wal and -shm it creates later the database
    /// file's own mode, so they are 0600 too. An existing file keeps the mode it has.
    static func createPrivately(_ path: String) throws {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw DatabaseError.open(path: path, message: "cannot create the file: \(String(cString: strerror(errno)))")
        }
    }

    private func open() throws -> OpaquePointer {
        guard let handle else {
            throw DatabaseError.sqlite(code: SQLITE_MISUSE, message: "connection is closed", sql: "")
        }
        return handle
    }

    /// Prepares once per connection and SQL text; PERSISTENT tells SQLite the statement is long-lived.
    private func statement(for sql: String) throws -> SQLiteStatement {
        // Small strings live inside the String value (on the stack here): no stable address.
        let address = sql.utf8.count > 15 ? sql.utf8.withContiguousStorageIfAvailable {
            TextAddress(base: UInt(bitPattern: $0.baseAddress), count: $0.count)
        } : nil
        if let address, let cached = statementsByAddress[address], cached.hasText(sql) { return cached }
        if let cached = statements[sql] {
            if let address { remember(cached, at: address) }
            return cached
        }
        // A one-row INSERT … RETURNING runs as the INSERT and a read-back of its row (see
        // SQLiteInsertReadBack); every other statement as written.
        let statement: SQLiteStatement
        if let split = SQLiteInsertReadBack(sql) {
            let readBack = SQLiteStatement(handle: try prepare(split.select), sql: split.select, connection: self)
            do {
                statement = SQLiteStatement(handle: try prepare(split.insert), sql: sql, connection: self, readBack: readBack)
            } catch {
                readBack.finalize()
                throw error
            }
        } else {
            statement = SQLiteStatement(handle: try prepare(sql), sql: sql, connection: self)
        }
        statements[sql] = statement
        if let address { remember(statement, at: address) }
        return statement
    }

    /// One statement compiled; errors name `sql`.
    private func prepare(_ sql: String) throws -> OpaquePointer {
        let db = try open()
        var stmt: OpaquePointer?
        // `tail` points into the C string SQLite was given, so the prepare and the look at
        // the tail happen inside one withCString: outside it, that buffer no longer exists.
        let (rc, extra) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            let rest = tail.map { String(cString: $0) } ?? ""
            return (rc, !rest.allSatisfy { $0.isWhitespace || $0 == ";" })
        }
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
        guard let stmt else {   // blank SQL or only a comment
            throw DatabaseError.sqlite(code: SQLITE_MISUSE, message: "no statement in SQL", sql: sql)
        }
        // prepare compiles only the first statement; silently dropping the rest would hide bugs.
        if extra {
            sqlite3_finalize(stmt)
            throw DatabaseError.sqlite(code: SQLITE_MISUSE,
                                       message: "more than one statement; use executeScript", sql: sql)
        }
        return stmt
    }

    private func remember(_ statement: SQLiteStatement, at address: TextAddress) {
        // SQL built at run time lands at ever new addresses: keep the map from growing without end.
        if statementsByAddress.count > 4 * statements.count + 64 { statementsByAddress.removeAll(keepingCapacity: true) }
        statementsByAddress[address] = statement
    }

    /// The error for a failed call on this connection, with constraint failures told apart.
    func error(_ rc: Int32, sql: String) -> DatabaseError {
        guard let handle else { return .sqlite(code: rc, message: String(cString: sqlite3_errstr(rc)), sql: sql) }
        return Self.error(code: rc, extendedCode: sqlite3_extended_errcode(handle),
                          message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    private static func error(code: Int32, extendedCode: Int32, message: String, sql: String) -> DatabaseError {
        // With extended result codes on, `code` may already be extended; the low byte is the primary code.
        let extended = (code & 0xFF) == code ? extendedCode : code
        guard code & 0xFF == SQLITE_CONSTRAINT else { return .sqlite(code: extended, message: message, sql: sql) }
        switch extended {
        case SQLITE_CONSTRAINT_UNIQUE_CODE, SQLITE_CONSTRAINT_PRIMARYKEY_CODE:
            return .uniqueViolation(message: message)
        default:
            return .constraint(message: message)
        }
    }
}

// The extended codes are function-like macros in sqlite3.h, which Swift does not import.
private let SQLITE_CONSTRAINT_UNIQUE_CODE: Int32 = 2067       // SQLITE_CONSTRAINT | (8 << 8)
private let SQLITE_CONSTRAINT_PRIMARYKEY_CODE: Int32 = 1555   // SQLITE_CONSTRAINT | (6 << 8)
