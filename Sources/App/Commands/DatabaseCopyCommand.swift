import Database
import Foundation
import Support

/// `twofa db copy --to postgres://…`: moves an installation from its SQLite file to an empty
/// PostgreSQL database (see `SQLiteToPostgreSQLCopy`). The SQLite file is only read.
public enum DatabaseCopyCommand {
    public static let usage = "usage: twofa db copy --to postgres://USER:PASSWORD@HOST:PORT/DBNAME"

    /// The target URL from the words after `db copy`, or nil when they are not a valid command line.
    public static func target(arguments: [String]) -> String? {
        guard arguments.count == 2, arguments[0] == "--to", PostgreSQLDatabase.handles(arguments[1]) else { return nil }
        return arguments[1]
    }

    /// Copies every table; returns the report (a line per table, then the total).
    public static func run(_ config: AppConfig, to url: String, progress makeProgress: (Int) -> ProgressBar = {
        ProgressBar(unit: "rows", total: $0)
    }) throws -> String {
        guard config.postgresURL == nil else {
            throw ConfigError("db copy reads a SQLite database, but DATABASE_URL is already PostgreSQL")
        }
        let source = try SQLiteDatabase(path: config.databasePath, readers: 1)
        defer { source.close() }
        let migrator = Migrator(directory: config.migrationsDirectory)
        let behind = try migrator.pending(in: source)
        guard behind.isEmpty else {
            throw ConfigError("the SQLite database is \(behind.count) migration(s) behind (\(behind[0].file) first): run `twofa migrate` first")
        }
        let target = try PostgreSQLDatabase(url: url, poolSize: 1)
        defer { target.close() }
        let copy = SQLiteToPostgreSQLCopy(source: source, target: target)
        let existing = try copy.targetTables()
        guard existing.isEmpty else { throw SQLiteToPostgreSQLCopy.Failure.targetNotEmpty(tables: existing) }

        try migrator.migrate(target)
        let tables = try copy.plan()
        let total = tables.reduce(0) { $0 + $1.rows }
        let bar = makeProgress(total)
        let started = MonotonicClock.now()
        defer { bar.finish() }
        try copy.copy(tables, progress: bar.update)
        let seconds = MonotonicClock.now() - started

        let width = tables.map(\.table.count).max() ?? 0
        var lines = tables.map { $0.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  \($0.rows)" }
        lines.append("Copied \(total) rows in \(tables.count) tables to \(PostgreSQLDatabase.redacted(url)) in "
                     + "\(LogLine.oneDecimal(seconds)) s; row counts match. "
                     + "Point DATABASE_URL at it and start the instances.")
        return lines.joined(separator: "\n")
    }
}
