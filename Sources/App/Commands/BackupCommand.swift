import Database
import Foundation

/// `twofa db backup PATH [--force]`: a consistent copy of the SQLite database taken while
/// the server keeps serving (see `SQLiteBackup`). PostgreSQL has its own tools for this.
public enum BackupCommand {
    public static let usage = "usage: twofa db backup PATH [--force] [--pages-per-step N] [--pause-ms MS]"

    public struct Options: Equatable {
        public var path: String
        public var force = false
        public var pagesPerStep: Int32 = 256
        public var pauseMilliseconds = 0

        /// The words after `db backup`; nil when they are not a valid command line.
        public init?(arguments: [String]) {
            var path: String?
            var words = arguments[...]
            while let word = words.popFirst() {
                switch word {
                case "--force": force = true
                case "--pages-per-step":
                    guard let n = words.popFirst().flatMap({ Int32($0) }), n > 0 else { return nil }
                    pagesPerStep = n
                case "--pause-ms":
                    guard let n = words.popFirst().flatMap({ Int($0) }), (0...10_000).contains(n) else { return nil }
                    pauseMilliseconds = n
                case let other where other.hasPrefix("-") || path != nil || other.isEmpty: return nil
                default: path = word
                }
            }
            guard let path else { return nil }
            self.path = path
        }
    }

    /// What to tell someone whose DATABASE_URL is PostgreSQL, or nil for SQLite. Read before
    /// AppConfig.load, which takes any other value for a file path (and makes folders for it).
    public static func postgresAdvice(environment env: [String: String]) -> String? {
        var url = env["DATABASE_URL"]
        if url == nil {
            let root = env["APP_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
            let file = "\(root)/config/\(env["APP_ENV"] ?? "development").json"
            url = try? ConfigFile(path: file, environment: env).string("database", env: "DATABASE_URL")
        }
        guard let url, PostgreSQLDatabase.handles(url) else { return nil }
        return """
            db backup copies SQLite databases; DATABASE_URL is PostgreSQL, so use pg_dump:
              pg_dump --format=custom --file=twofa.dump "$DATABASE_URL"
            and pg_restore to restore it (see docs/backups.md).
            """
    }

    /// Copies the configured database to `options.path`; returns the summary line.
    public static func run(_ config: AppConfig, _ options: Options, progress: BackupProgress = BackupProgress(),
                           isCancelled: @escaping () -> Bool = { false }) throws -> String {
        var backup = SQLiteBackup(source: config.databasePath, destination: options.path)
        backup.isCancelled = isCancelled
        backup.overwrite = options.force
        backup.pagesPerStep = options.pagesPerStep
        backup.pauseBetweenSteps = Double(options.pauseMilliseconds) / 1000
        defer { progress.finish() }   // ends the bar's line before any error message
        let summary = try backup.run { progress.report($0) }
        return "Backed up \(config.databasePath) to \(options.path): \(summary.pages) pages, "
            + "\(summary.bytes) bytes in \(String(format: "%.2f", summary.seconds)) s."
    }
}
