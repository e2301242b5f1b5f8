import CPostgreSQL
import Foundation

/// One libpq connection. Not thread-safe by itself: `PostgreSQLDatabase` lends it to one
/// thread at a time. Statements are prepared once per connection and SQL text (named
/// `s1`, `s2`, …), with `?` numbered for PostgreSQL; parameters go as text (bytes as
/// binary) with their types left for the server to infer from the statement.
final class PostgreSQLConnection: DatabaseConnection {
    private var handle: OpaquePointer?
    private var statements: [String: PreparedStatement] = [:]
    private(set) var changes = 0

    private struct PreparedStatement {
        let name: String
        let parameters: Int
    }

    /// Connects with libpq's own parsing of `conninfo` (a URL or `key=value` words). Every
    /// statement is bounded by `statementTimeoutMilliseconds` (a stuck query must not hold a
    /// worker for ever). Throws `.unavailable` when the server cannot be reached.
    init(conninfo: String, connectTimeoutSeconds: Int, statementTimeoutMilliseconds: Int,
         applicationName: String = "twofa") throws {
        // Earlier keywords are defaults: what the URL says (expanded from dbname) wins.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(connectTimeoutSeconds), applicationName, conninfo]
        let conn = withCStrings(keywords) { k in withCStrings(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let conn else { throw DatabaseError.unavailable(message: "libpq could not allocate a connection") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(conn))
            PQfinish(conn)
            throw DatabaseError.unavailable(message: message)
        }
        handle = conn
        // libpq prints NOTICEs ("relation … already exists, skipping") to stderr by default:
        // nothing the operator must act on, and not in our log format.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        do {
            // Read-only unless a transaction says READ WRITE: a stray INSERT in a `read` closure
            // (which runs without BEGIN) fails instead of slipping past the write lock.
            try command("SET statement_timeout = \(statementTimeoutMilliseconds); SET default_transaction_read_only = on")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
    }

    /// False once the server has gone (restarted, network cut): the pool drops such a connection.
    var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// False when the server has closed this idle connection (restarted, or ended it): its
    /// socket is then readable (end of file) although we asked nothing. One poll, no round trip;
    /// the pool checks it before lending a connection, so a restart costs no request an error.
    var isOpenOnServer: Bool {
        guard let handle, isHealthy else { return false }
        var entry = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Whether a transaction is open (or failed and waiting for ROLLBACK).
    var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    // MARK: Notifications

    /// The connection's socket, for `hasInputWaiting` from another thread.
    var socket: Int32 { handle.map(PQsocket) ?? -1 }

    /// Whether `socket` has bytes the connection has not read yet (one poll, no round trip).
    static func hasInputWaiting(socket: Int32) -> Bool {
        guard socket >= 0 else { return false }
        var entry = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// Waits until a notification arrives, `wake` becomes readable (the listener is told to
    /// stop) or the connection breaks. Returns the payloads that arrived (none when woken),
    /// nil when the connection is gone. `willRead` is called when input has arrived, before it is read.
    func waitForNotifications(wake: Int32, willRead: () -> Void) -> [String]? {
        guard let handle else { return nil }
        // Some may have come in with the answer to a statement this connection sent.
        let buffered = bufferedNotifications()
        if !buffered.isEmpty {
            willRead()
            return buffered
        }
        var fds = [pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while poll(&fds, 2, -1) < 0 {
            guard errno == EINTR else { return nil }
        }
        if fds[1].revents != 0 { return [] }
        willRead()
        guard PQconsumeInput(handle) == 1, isHealthy else { return nil }
        return bufferedNotifications()
    }

    /// The payloads libpq has already read and not yet handed out.
    private func bufferedNotifications() -> [String] {
        guard let handle else { return [] }
        var payloads: [String] = []
        while let notification = PQnotifies(handle) {
            payloads.append(notification.pointee.extra.map { String(cString: $0) } ?? "")
            PQfreemem(notification)
        }
        return payloads
    }

    // MARK: DatabaseConnection

    func execute(_ sql: String, _ parameters: [SQLValue]) throws {
        _ = try run(sql, parameters, collectRows: false)
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] {
        try run(sql, parameters, collectRows: true)
    }

    func queryOne(_ sql: String, _ parameters: [SQLValue]) throws -> Row? {
        try query(sql, parameters).first
    }

    /// Several statements in one simple-protocol round trip; SQLite's schema words are
    /// translated (`PostgreSQLDialect.schema`), so `Migrations/` serve both engines.
    func executeScript(_ sql: String) throws {
        try command(PostgreSQLDialect.schema(sql))
    }

    /// Our own fixed SQL (SET …, a script), as written: no translation to pay for.
    func command(_ sql: String) throws {
        let conn = try open()
        if !heldBack.isEmpty { _ = try pipeline([], on: conn) }   // they run first, as promised
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
        changes = Self.affectedRows(result)
    }

    // MARK: Round trips saved

    /// Statements (a transaction's BEGIN and locks) waiting to travel with the next one.
    private var heldBack: [SQLStatement] = []

    /// Sends `statements` together with the next statement (or command), in its round trip,
    /// instead of one round trip each. Each runs as if it had been sent now.
    func holdBack(_ statements: [SQLStatement]) {
        heldBack += statements
    }

    /// The statements that end the transaction in progress (`pg_notify`, `COMMIT`), for
    /// `finalQueries`; nil outside a write transaction, and once they have been sent.
    var commitStatements: [SQLStatement]?

    func finalQueries(_ statements: [SQLStatement]) throws -> [[Row]] {
        let commit = commitStatements ?? []
        commitStatements = nil
        return Array(try pipeline(statements + commit, on: try open()).prefix(statements.count))
    }

    /// Forgets the statements held back; true when there were any (nothing has run since).
    func dropHeldBack() -> Bool {
        defer { heldBack = [] }
        return !heldBack.isEmpty
    }

    /// Statements that do not depend on one another, in one round trip: each one's rows.
    func queries(_ statements: [SQLStatement]) throws -> [[Row]] {
        try pipeline(statements, on: try open())
    }

    // MARK: Statements

    private func run(_ sql: String, _ parameters: [SQLValue], collectRows: Bool) throws -> [Row] {
        let conn = try open()
        guard heldBack.isEmpty else { return try pipeline([(sql, parameters)], on: conn)[0] }
        let statement = try prepared(sql, parameterCount: parameters.count, on: conn)
        let result = try withParameters(parameters, sql: sql) { values, lengths, formats in
            PQexecPrepared(conn, statement.name, Int32(parameters.count), values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        changes = Self.affectedRows(result)
        return collectRows ? Self.rows(of: result) : []
    }

    /// The statements held back, then `statements`, sent at once and answered at once
    /// (libpq's pipeline mode: one Sync, one round trip). Returns the rows of each of
    /// `statements`; `changes` is the last one's. A failing statement aborts the rest; its
    /// error is thrown, never an aborted one's.
    private func pipeline(_ statements: [SQLStatement], on conn: OpaquePointer) throws -> [[Row]] {
        let all = heldBack + statements
        heldBack = []
        let first = all.count - statements.count   // the index of statements[0] in `all`
        // Prepared first (once per connection): in the pipeline each then costs no parsing.
        let prepared = try all.map { try self.prepared($0.sql, parameterCount: $0.parameters.count, on: conn) }
        guard let sql = all.first?.sql else { return [] }
        guard PQenterPipelineMode(conn) == 1 else { try check(nil, sql: sql); return [] }
        defer {
            // Only fails with results still unread, i.e. a broken connection: then drop it.
            if PQexitPipelineMode(conn) != 1 { close() }
        }
        for (statement, step) in zip(prepared, all) {
            let sent = try withParameters(step.parameters, sql: step.sql) { values, lengths, formats in
                PQsendQueryPrepared(conn, statement.name, Int32(step.parameters.count), values, lengths, formats, 0) == 1 ? conn : nil
            }
            guard sent != nil else { try check(nil, sql: step.sql); return [] }
        }
        guard PQpipelineSync(conn) == 1 else { try check(nil, sql: sql); return [] }

        var firstError: Error?
        var rows: [[Row]] = []
        for (index, step) in all.enumerated() {
            let result = PQgetResult(conn)
            defer { PQclear(result) }
            while let extra = PQgetResult(conn) { PQclear(extra) }   // each statement's results end with NULL
            if firstError == nil, result.map(PQresultStatus) != PGRES_PIPELINE_ABORTED {
                do { try check(result, sql: step.sql) } catch { firstError = error }
            }
            if index >= first && firstError == nil {
                rows.append(Self.rows(of: result))
                changes = Self.affectedRows(result)
            }
            guard isHealthy else { break }
        }
        if isHealthy, let sync = PQgetResult(conn) { PQclear(sync) }   // PGRES_PIPELINE_SYNC
        if let firstError { throw firstError }
        guard rows.count == statements.count else {   // the connection broke between results
            throw DatabaseError.unavailable(message: "connection lost in a pipeline")
        }
        return rows
    }

    private func prepared(_ sql: String, parameterCount: Int, on conn: OpaquePointer) throws -> PreparedStatement {
        let statement = try prepared(sql, on: conn)
        guard statement.parameters == parameterCount else {
            throw DatabaseError.postgres(code: "08P01", message:
                "expected \(statement.parameters) parameters, got \(parameterCount)", sql: sql)
        }
        return statement
    }

    private func prepared(_ sql: String, on conn: OpaquePointer) throws -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        let (text, count) = PostgreSQLDialect.numberPlaceholders(sql)
        let statement = PreparedStatement(name: "s\(statements.count + 1)", parameters: count)
        let result = PQprepare(conn, statement.name, text, Int32(count), nil)
        defer { PQclear(result) }
        try check(result, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Text for numbers and strings, raw bytes (binary format) for blobs; NULL as a nil pointer.
    /// Each value is copied into memory of its own, wiped and freed right after the call:
    /// parameter values (codes, digests) never outlive the statement.
    private func withParameters(_ parameters: [SQLValue], sql: String,
                                _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> OpaquePointer?) throws -> OpaquePointer? {
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var copies: [UnsafeMutableBufferPointer<UInt8>] = []
        defer {
            for copy in copies {
                copy.update(repeating: 0)
                copy.deallocate()
            }
        }
        func append<C: Collection>(_ bytes: C, terminated: Bool) where C.Element == UInt8 {
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count + 1)   // never empty: NULL would mean NULL
            _ = copy.initialize(from: bytes)
            copy[bytes.count] = 0
            copies.append(copy)
            pointers.append(UnsafeRawPointer(copy.baseAddress!).assumingMemoryBound(to: CChar.self))
            lengths.append(Int32(bytes.count))
            formats.append(terminated ? 0 : 1)
        }
        for value in parameters {
            switch value {
            case .null: pointers.append(nil); lengths.append(0); formats.append(0)
            case .integer(let v): append(String(v).utf8, terminated: true)
            case .real(let v): append(Self.text(of: v).utf8, terminated: true)
            case .text(let s):
                // A text parameter ends at its first NUL in libpq: refuse rather than truncate.
                guard !s.utf8.contains(0) else {
                    throw DatabaseError.postgres(code: "22021", message: "text parameter contains a NUL byte", sql: sql)
                }
                append(s.utf8, terminated: true)
            case .blob(let b): append(b, terminated: false)
            }
        }
        return pointers.withUnsafeBufferPointer { p in
            lengths.withUnsafeBufferPointer { l in formats.withUnsafeBufferPointer { f in body(p.baseAddress, l.baseAddress, f.baseAddress) } }
        }
    }

    /// Shortest text that reads back as the same Double; PostgreSQL spells infinities its own way.
    private static func text(of v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return "\(v)"
    }

    // MARK: Results

    private static func rows(of result: OpaquePointer?) -> [Row] {
        guard let result, PQresultStatus(result) == PGRES_TUPLES_OK else { return [] }
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        guard rowCount > 0 else { return [] }
        let columns = ColumnNames((0..<columnCount).map { String(cString: PQfname(result, $0)) })
        let types = (0..<columnCount).map { PQftype(result, $0) }
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount {
                values.append(value(result, r, c, type: types[Int(c)]))
            }
            rows.append(Row(names: columns, values: values))
        }
        return rows
    }

    /// Text-format results mapped onto SQLite's storage classes by the column's type.
    private static func value(_ result: OpaquePointer, _ r: Int32, _ c: Int32, type: Oid) -> SQLValue {
        if PQgetisnull(result, r, c) == 1 { return .null }
        guard let raw = PQgetvalue(result, r, c) else { return .null }
        let count = Int(PQgetlength(result, r, c))
        let text = String(decoding: UnsafeRawBufferPointer(start: raw, count: count), as: UTF8.self)
        switch type {
        case TypeOID.int8, TypeOID.int4, TypeOID.int2, TypeOID.oid:
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case TypeOID.bool:
            return .integer(text == "t" ? 1 : 0)
        case TypeOID.float4, TypeOID.float8:
            return Double(text).map(SQLValue.real) ?? .text(text)
        case TypeOID.numeric:   // sum() of integers: a whole number unless it has a fraction
            if let v = Int64(text) { return .integer(v) }
            return Double(text).map(SQLValue.real) ?? .text(text)
        case TypeOID.bytea:
            var length = 0
            guard let bytes = PQunescapeBytea(UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), &length) else { return .null }
            defer { PQfreemem(bytes) }
            return .blob(Array(UnsafeBufferPointer(start: bytes, count: length)))
        default:
            return .text(text)
        }
    }

    private enum TypeOID {
        static let bool: Oid = 16, bytea: Oid = 17, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23
        static let oid: Oid = 26, float4: Oid = 700, float8: Oid = 701, numeric: Oid = 1700
    }

    private static func affectedRows(_ result: OpaquePointer?) -> Int {
        guard let result, let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    // MARK: Errors

    private func open() throws -> OpaquePointer {
        guard let handle else { throw DatabaseError.unavailable(message: "connection is closed") }
        return handle
    }

    /// Throws the error a failed result stands for. Lost connections, server shutdowns and
    /// statement timeouts are `.unavailable` (the app answers 503); constraint failures are
    /// told apart as with SQLite; parameter values never appear in messages.
    private func check(_ result: OpaquePointer?, sql: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default: break
        }
        let code = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        let message = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
            ?? handle.map { Self.trimmed(PQerrorMessage($0)) } ?? "no result"
        throw Self.error(code: code, message: message, sql: sql, connectionLost: !isHealthy)
    }

    static func error(code: String, message: String, sql: String, connectionLost: Bool) -> DatabaseError {
        if connectionLost || code.hasPrefix("08") || code.hasPrefix("57P") || code == "53300" || code == "57014" {
            return .unavailable(message: code.isEmpty ? message : "\(message) (SQLSTATE \(code))")
        }
        if code == "23505" { return .uniqueViolation(message: message) }
        if code.hasPrefix("23") { return .constraint(message: message) }
        // Data exceptions quote the offending value ("invalid input syntax for type bigint:
        // \"+447…\""): keep the kind of error, never the value (it may be a number or a code).
        if code.hasPrefix("22"), let colon = message.range(of: ": ") {
            return .postgres(code: code, message: String(message[..<colon.lowerBound]), sql: sql)
        }
        return .postgres(code: code, message: message, sql: sql)
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown error"
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
