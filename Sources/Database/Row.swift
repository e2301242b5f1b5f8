/// One result row. Columns are looked up by name (as written in the SELECT, so alias
/// computed columns: `SELECT count(*) AS n`). A missing column reads as `.null`.
public struct Row: Sendable {
    /// Shared by every row of one result shape (see `ColumnNames`).
    public let names: ColumnNames
    public let values: [SQLValue]

    public var columns: [String] { names.names }

    /// Tests and fakes build rows from a list of names. `columns` and `values` must have the same length.
    public init(columns: [String], values: [SQLValue]) {
        self.init(names: ColumnNames(columns), values: values)
    }

    /// Engines build rows on the names of their result, made once for all of its rows.
    public init(names: ColumnNames, values: [SQLValue]) {
        precondition(names.count == values.count, "Row: \(names.count) columns but \(values.count) values")
        self.names = names
        self.values = values
    }

    /// The first of two same-named columns wins, as in most drivers.
    public subscript(_ column: String) -> SQLValue {
        guard let i = names.index(of: column) else { return .null }
        return values[i]
    }

    public func string(_ c: String) -> String? {
        if case .text(let s) = self[c] { return s }
        return nil
    }

    public func int64(_ c: String) -> Int64? {
        switch self[c] {
        case .integer(let v): return v
        case .text(let s): return Int64(s)     // e.g. a numeric string from another engine
        default: return nil
        }
    }

    public func int(_ c: String) -> Int? { int64(c).map { Int($0) } }

    public func double(_ c: String) -> Double? {
        switch self[c] {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case .text(let s): return Double(s)
        default: return nil
        }
    }

    /// SQLite has no boolean type: 0/1 integers; "t"/"f" and "true"/"false" for PostgreSQL text output.
    public func bool(_ c: String) -> Bool? {
        switch self[c] {
        case .integer(let v): return v != 0
        case .text(let s):
            switch s.lowercased() {
            case "1", "t", "true": return true
            case "0", "f", "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    public func blob(_ c: String) -> [UInt8]? {
        if case .blob(let b) = self[c] { return b }
        return nil
    }
}
