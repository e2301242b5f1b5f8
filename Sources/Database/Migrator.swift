import Foundation
import Support

/// Applies the `.sql` files in a directory in numeric order, each once, each in its own
/// transaction together with its row in `schema_migrations`, so a migration is either
/// fully applied and recorded or not at all.
///
/// Migration files must not contain BEGIN/COMMIT themselves, and statements that are
/// no-ops inside a transaction (e.g. `PRAGMA foreign_keys`) have no effect in them.
/// They are written in SQLite's dialect, kept to what PostgreSQL shares; the PostgreSQL
/// engine maps the column types (`PostgreSQLDialect.schema`).
public struct Migrator {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Every migration in the directory, sorted by version. Files not ending in `.sql`
    /// are ignored; a `.sql` file with a bad name or a repeated version number is an error,
    /// because silently skipping it would leave the schema behind.
    public func migrations() throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw DatabaseError.migration(file: directory, message: "cannot list directory: \(error.localizedDescription)")
        }
        var byVersion: [Int: Migration] = [:]
        for file in files where file.hasSuffix(".sql") {
            guard let (version, name) = Self.parse(file) else {
                throw DatabaseError.migration(file: file, message: "name must look like 0001_create_users.sql")
            }
            if let other = byVersion[version] {
                throw DatabaseError.migration(file: file, message: "version \(version) is also used by \(other.file)")
            }
            let path = (directory as NSString).appendingPathComponent(file)
            guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DatabaseError.migration(file: file, message: "cannot read file as UTF-8")
            }
            byVersion[version] = Migration(version: version, name: name, file: file, sql: sql)
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// The migrations not yet recorded in `schema_migrations` (creating that table if needed).
    public func pending(in db: Database) throws -> [Migration] {
        let all = try migrations()
        let applied = try db.write { connection -> Set<Int> in
            try Self.createTable(connection)
            return try Self.appliedVersions(connection)
        }
        return all.filter { !applied.contains($0.version) }
    }

    /// Applies every pending migration in order and returns those applied. If one fails,
    /// its own changes are rolled back and the error (naming its file) is thrown; the
    /// ones before it stay applied and the ones after it are not attempted.
    @discardableResult
    public func migrate(_ db: Database) throws -> [Migration] {
        var applied: [Migration] = []
        for migration in try pending(in: db) {
            // `write` is the engine's exclusive write transaction (SQLite: BEGIN IMMEDIATE;
            // PostgreSQL: the cluster-wide write lock), so instances started together apply
            // each migration once; schema changes are transactional in both engines.
            let didApply = try db.write { connection -> Bool in
                // Another process may have applied it since `pending` looked.
                if try connection.queryOne("SELECT 1 AS applied FROM schema_migrations WHERE version = ?",
                                           [.integer(Int64(migration.version))]) != nil {
                    return false
                }
                do {
                    try connection.executeScript(migration.sql)
                } catch {
                    throw DatabaseError.migration(file: migration.file, message: Self.summary(of: error))
                }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.integer(Int64(migration.version)), .text(migration.name), .text(Timestamp.iso8601(Date()))])
                return true
            }
            if didApply {
                Log.info("applied migration \(migration.file)")
                applied.append(migration)
            }
        }
        return applied
    }

    // MARK: Internals

    /// `0001_create_users.sql` → (1, "create_users"). Digits, an underscore, a non-empty name.
    static func parse(_ file: String) -> (version: Int, name: String)? {
        let stem = file.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = String(stem[stem.index(after: underscore)...])
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let version = Int(digits), !name.isEmpty else { return nil }
        return (version, name)
    }

    /// The engine's message without the (possibly long) script text.
    private static func summary(of error: Error) -> String {
        if case DatabaseError.sqlite(let code, let message, _) = error { return "SQLite error \(code): \(message)" }
        if case DatabaseError.postgres(let code, let message, _) = error { return "PostgreSQL error \(code): \(message)" }
        return "\(error)"
    }

    private static func createTable(_ connection: DatabaseConnection) throws {
        try connection.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            );
            """)
    }

    private static func appliedVersions(_ connection: DatabaseConnection) throws -> Set<Int> {
        Set(try connection.query("SELECT version FROM schema_migrations").compactMap { $0.int("version") })
    }
}
