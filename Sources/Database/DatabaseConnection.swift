/// A statement and its parameters, as a value: for statements sent together (`queries`).
public typealias SQLStatement = (sql: String, parameters: [SQLValue])

/// One engine connection, lent out by a `Database` for the length of a closure.
public protocol DatabaseConnection: AnyObject {
    /// Runs one parameterised statement (`?` placeholders); the prepared statement is cached.
    func execute(_ sql: String, _ parameters: [SQLValue]) throws
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row]
    /// The first row, or nil when there is none.
    func queryOne(_ sql: String, _ parameters: [SQLValue]) throws -> Row?
    /// Statements that do not depend on one another's results, sent together (PostgreSQL: one
    /// round trip, where one after the other would cost one each); each one's rows, in order.
    func queries(_ statements: [SQLStatement]) throws -> [[Row]]
    /// `queries` for a write's last statements: PostgreSQL sends the commit with them, in the
    /// same round trip. The body must not use the connection afterwards, nor fail after it
    /// (PostgreSQL has committed by then). Elsewhere, and outside `write`, it is `queries`.
    func finalQueries(_ statements: [SQLStatement]) throws -> [[Row]]
    /// Runs many `;`-separated statements without parameters (migrations, schema set-up).
    func executeScript(_ sql: String) throws
    /// Rows inserted, updated or deleted by the last statement.
    var changes: Int { get }
}

// Protocol requirements cannot have default arguments; these cover the no-parameter case.
extension DatabaseConnection {
    public func execute(_ sql: String) throws { try execute(sql, []) }
    public func query(_ sql: String) throws -> [Row] { try query(sql, []) }
    public func queryOne(_ sql: String) throws -> Row? { try queryOne(sql, []) }

    // A statement value (a model's `…Statement(…)`, written for `queries`) run on its own.
    public func execute(_ statement: SQLStatement) throws { try execute(statement.sql, statement.parameters) }
    public func queryOne(_ statement: SQLStatement) throws -> Row? { try queryOne(statement.sql, statement.parameters) }

    /// Runs an INSERT and returns the new row's `id`: `RETURNING` works on both engines,
    /// where a last-insert-row-id exists in SQLite only.
    public func insert(_ sql: String, _ parameters: [SQLValue]) throws -> Int64 {
        guard let id = try queryOne(sql + " RETURNING id", parameters)?.int64("id") else {
            throw DatabaseError.constraint(message: "INSERT returned no id")
        }
        return id
    }
}
