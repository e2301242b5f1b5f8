/// One value bound to a statement parameter or read from a result column.
/// The cases mirror SQLite's storage classes; a PostgreSQL engine maps onto the same set.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

// Literals keep call sites short: `try conn.execute("… WHERE id = ?", [42])`.
extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue: CustomStringConvertible {
    /// Type and size only, never the value: descriptions end up in logs and must not leak data.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text(let s): return "TEXT(\(s.utf8.count) bytes)"
        case .blob(let b): return "BLOB(\(b.count) bytes)"
        }
    }
}
