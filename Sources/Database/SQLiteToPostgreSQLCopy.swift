import Foundation

/// Copies every table of a SQLite database into an empty PostgreSQL database whose schema
/// the same migrations just made (`twofa db copy --to URL`). All rows go in one write
/// transaction, in batches, parents before children (foreign keys are checked as rows
/// arrive); identity sequences are moved past the copied ids; the row counts of both sides
/// are compared before the commit, so a copy is whole or absent.
public struct SQLiteToPostgreSQLCopy {
    public struct TableCount: Sendable, Equatable {
        public let table: String
        public let rows: Int
    }

    public enum Failure: Error, CustomStringConvertible {
        case targetNotEmpty(tables: [String])
        case schemaDiffers(table: String, detail: String)
        case countMismatch(table: String, source: Int, target: Int)

        public var description: String {
            switch self {
            case .targetNotEmpty(let tables):
                return "the target database is not empty (it has \(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", …" : "")): copy into a new, empty database"
            case .schemaDiffers(let table, let detail):
                return "table \(table) differs between the two databases: \(detail) (are both at the same migration?)"
            case .countMismatch(let table, let source, let target):
                return "table \(table): \(source) rows in SQLite but \(target) in PostgreSQL after the copy; nothing was committed"
            }
        }
    }

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement.
    static let parametersPerBatch = 8_000

    let source: SQLiteDatabase
    let target: PostgreSQLDatabase

    public init(source: SQLiteDatabase, target: PostgreSQLDatabase) {
        self.source = source
        self.target = target
    }

    /// Tables in the target's current schema (to refuse a non-empty target before migrating it).
    public func targetTables() throws -> [String] {
        try target.read {
            try $0.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")
                .compactMap { $0.string("table_name") }
        }
    }

    /// The source's tables that hold data (not SQLite's own, not the migrations' record,
    /// which the target keeps for itself), parents first, with their row counts.
    public func plan() throws -> [TableCount] {
        try source.read { db in
            let names = try db.query("""
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                AND name != 'schema_migrations' ORDER BY name
                """).compactMap { $0.string("name") }
            var parents: [String: Set<String>] = [:]
            for name in names {
                parents[name] = Set(try db.query("SELECT \"table\" AS parent FROM pragma_foreign_key_list(?)", [.text(name)])
                    .compactMap { $0.string("parent") }.filter { $0 != name })
            }
            var ordered: [String] = []
            var placed = Set<String>()
            while ordered.count < names.count {
                let ready = names.filter { !placed.contains($0) && parents[$0, default: []].isSubset(of: placed) }
                // A cycle cannot come from our migrations; take the rest as they are rather than loop.
                for name in ready.isEmpty ? names.filter({ !placed.contains($0) }) : ready {
                    ordered.append(name)
                    placed.insert(name)
                }
            }
            return try ordered.map { name in
                TableCount(table: name, rows: try db.queryOne("SELECT count(*) AS n FROM \(quoted(name))")?.int("n") ?? 0)
            }
        }
    }

    /// Copies the planned tables; `progress` hears the running total of rows copied.
    public func copy(_ tables: [TableCount], progress: (Int) -> Void) throws {
        var copied = 0
        try target.write { pg in
            for table in tables {
                let columns = try sourceColumns(table.table)
                let targetColumns = Set(try pg.query("""
                    SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
                    """, [.text(table.table)]).compactMap { $0.string("column_name") })
                let missing = columns.filter { !targetColumns.contains($0) }
                guard missing.isEmpty else {
                    throw Failure.schemaDiffers(table: table.table, detail: "no column \(missing.joined(separator: ", ")) in PostgreSQL")
                }
                let perBatch = max(1, Self.parametersPerBatch / max(1, columns.count))
                var after: Int64 = .min
                while true {
                    // Paged by rowid, so a large table is never held in memory at once.
                    let rows = try source.read {
                        try $0.query("SELECT rowid AS twofa_rowid, \(columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table.table)) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                     [.integer(after), .integer(Int64(perBatch))])
                    }
                    guard let last = rows.last?.int64("twofa_rowid") else { break }
                    after = last
                    let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                    try pg.execute("INSERT INTO \(quoted(table.table)) (\(columns.map(quoted).joined(separator: ", "))) VALUES "
                                   + Array(repeating: tuple, count: rows.count).joined(separator: ", "),
                                   rows.flatMap { row in columns.map { row[$0] } })
                    copied += rows.count
                    progress(copied)
                }
                if columns.contains("id"),
                   try pg.queryOne("SELECT pg_get_serial_sequence(?, 'id') AS s", [.text(table.table)])?.string("s") != nil {
                    // Identity columns keep counting from 1 unless told: the next insert would collide.
                    try pg.execute("SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM \(quoted(table.table))), false)",
                                   [.text(table.table)])
                }
                let landed = try pg.queryOne("SELECT count(*) AS n FROM \(quoted(table.table))")?.int("n") ?? -1
                guard landed == table.rows else {
                    throw Failure.countMismatch(table: table.table, source: table.rows, target: landed)
                }
            }
        }
    }

    private func sourceColumns(_ table: String) throws -> [String] {
        try source.read { try $0.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)]).compactMap { $0.string("name") } }
    }

    /// Table and column names come from the source's own catalogue; quoting keeps any name whole.
    private func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
