import Database

/// Operator commands that need the database but not the web app.
public enum Maintenance {
    /// Applies pending migrations; returns the file names applied.
    public static func migrate(_ config: AppConfig) throws -> [String] {
        let database = try DatabaseFactory.open(config, connections: 1)
        defer { database.close() }
        return try Migrator(directory: config.migrationsDirectory).migrate(database).map(\.file)
    }
}
