/// Errors from any engine. Messages come from the engine and the SQL text only:
/// parameter values (passwords, phone numbers, codes) are never included.
public enum DatabaseError: Error, CustomStringConvertible {
    case open(path: String, message: String)
    /// A UNIQUE or PRIMARY KEY constraint failed: the app turns this into a form error ("already taken").
    case uniqueViolation(message: String)
    /// Any other constraint failure (NOT NULL, CHECK, FOREIGN KEY).
    case constraint(message: String)
    case sqlite(code: Int32, message: String, sql: String)
    /// A PostgreSQL error other than the ones above; `code` is its SQLSTATE.
    case postgres(code: String, message: String, sql: String)
    /// The engine cannot be reached now (server down or restarting, connection lost, pool
    /// exhausted, statement timeout): the app answers 503, and a later request may succeed.
    case unavailable(message: String)
    case migration(file: String, message: String)

    public var description: String {
        switch self {
        case .open(let path, let message): return "cannot open database at \(path): \(message)"
        case .uniqueViolation(let message): return "unique constraint violated: \(message)"
        case .constraint(let message): return "constraint violated: \(message)"
        case .sqlite(let code, let message, let sql): return "SQLite error \(code): \(message) (in: \(sql))"
        case .postgres(let code, let message, let sql): return "PostgreSQL error \(code): \(message) (in: \(sql))"
        case .unavailable(let message): return "database unavailable: \(message)"
        case .migration(let file, let message): return "migration \(file) failed: \(message)"
        }
    }
}
