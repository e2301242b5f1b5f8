import Foundation
import Database

/// Operator commands that need the database but not the web app.
public enum Maintenance {
    /// Applies pending migrations; returns the file names applied.
    public static func migrate(_ config: AppConfig) throws -> [String] {
        let database = try DatabaseFactory.open(config, connections: 1)
        defer { database.close() }
        return try Migrator(directory: config.migrationsDirectory).migrate(database).map(\.file)
    }

    /// `twofa db prune`: one pass of the retention pruner, as the server's runs it.
    public static func prune(_ config: AppConfig) throws -> Pruner.Report {
        try withDatabase(config) { database in
            try Pruner(database: database, policy: RetentionPolicy(config: config), batchSize: config.pruneBatchSize,
                       interval: TimeInterval(config.pruneInterval), clock: Application.systemClock, metrics: nil).run()
        }
    }
}
