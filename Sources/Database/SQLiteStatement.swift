import CSQLite
import Glibc

/// A prepared statement owned by one `SQLiteConnection`, cached and reused.
/// After each use it is reset and its bindings cleared, so no parameter value
/// lingers in memory longer than needed.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection
    /// For a one-row INSERT … RETURNING (`SQLiteInsertReadBack`): `handle` is the INSERT alone,
    /// and this SELECT reads the new row back by its rowid.
    private let readBack: SQLiteStatement?

    /// Cached column names, read once: they do not change between executions
    /// unless the schema does, in which case SQLite re-prepares and we re-read.
    private var columnNames: ColumnNames?

    init(handle: OpaquePointer, sql: String, connection: SQLiteConnection, readBack: SQLiteStatement? = nil) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
        self.readBack = readBack
    }

    func finalize() {
        sqlite3_finalize(handle)
        readBack?.finalize()
    }

    /// Whether `text` is this statement's SQL, byte for byte (a memcmp, not a hash).
    func hasText(_ text: String) -> Bool {
        var mine = sql, theirs = text
        return mine.withUTF8 { a in
            theirs.withUTF8 { b in a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) }
        }
    }

    /// Binds, runs to completion and returns the rows (empty for non-queries).
    /// The statement is always reset afterwards, even on error.
    func run(_ parameters: [SQLValue], collectRows: Bool) throws -> [Row] {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try bind(parameters)
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw connection.error(rc, sql: sql) }
            if collectRows { rows.append(currentRow()) }
        }
        // The INSERT inserted its one row (it would have thrown otherwise): read it back.
        guard let readBack, collectRows, connection.changes == 1 else { return rows }
        return try readBack.run([.integer(connection.lastInsertRowID)], collectRows: true)
    }

    private func bind(_ parameters: [SQLValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == parameters.count else {
            throw DatabaseError.sqlite(code: SQLITE_RANGE,
                                       message: "expected \(expected) parameters, got \(parameters.count)", sql: sql)
        }
        for (offset, value) in parameters.enumerated() {
            let i = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(handle, i)
            case .integer(let v):
                rc = sqlite3_bind_int64(handle, i, v)
            case .real(let v):
                rc = sqlite3_bind_double(handle, i, v)
            case .text(let s):
                // Explicit byte count so an embedded NUL is kept; TRANSIENT makes SQLite copy
                // the bytes, since Swift's buffer is only valid inside the closure.
                let bytes = Array(s.utf8)
                rc = bytes.withUnsafeBufferPointer { buf in
                    buf.baseAddress.map { base in
                        base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                            sqlite3_bind_text(handle, i, $0, Int32(buf.count), SQLITE_TRANSIENT)
                        }
                    } ?? sqlite3_bind_text(handle, i, "", 0, SQLITE_TRANSIENT)   // a NULL pointer would bind NULL
                }
            case .blob(let b):
                rc = b.withUnsafeBytes { buf in
                    buf.baseAddress.map { sqlite3_bind_blob(handle, i, $0, Int32(buf.count), SQLITE_TRANSIENT) }
                        ?? sqlite3_bind_zeroblob(handle, i, 0)   // an empty blob, not NULL
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
        }
    }

    private func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        if columnNames?.count != Int(count) {
            columnNames = ColumnNames((0..<count).map { String(cString: sqlite3_column_name(handle, $0)) })
        }
        let values = (0..<count).map { column(at: $0) }
        return Row(names: columnNames!, values: values)
    }

    private func column(at i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            // Fetch the pointer before the length, as SQLite's docs advise.
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(handle, i) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(handle, i))
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            return .null
        }
    }
}

/// SQLite's "copy this buffer now" destructor sentinel, which Swift cannot import as a macro.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
