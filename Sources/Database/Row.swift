/// One result row. Columns are looked up by name (as written in the SELECT, so alias
/// computed columns: `SELECT count(*) AS n`). A missing column reads as `.null`.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    /// Engines build rows; tests and fakes may too. `columns` and `values` must have the same length.
    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "Row: \(columns.count) columns but \(values.count) values")
        self.columns = columns
        self.values = values
    }

    /// A linear scan: rows have a handful of columns, and building a dictionary per row
    /// cost more than it saved. Names of another length are passed over without comparing
    /// them (a string's UTF-8 count is stored, and `==` on two that differ calls into the
    /// runtime): a Verify request's 26 columns read in order took 351 such calls. The first
    /// of two same-named columns wins, as in most drivers.
    public subscript(_ column: String) -> SQLValue {
        let length = column.utf8.count
        for i in columns.indices where columns[i].utf8.count == length && columns[i] == column {
            return values[i]
        }
        return .null
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
