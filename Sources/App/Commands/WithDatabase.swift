import Database

/// Runs `body` with the database the config names, migrated, and closed afterwards: what
/// every command-line command that reads or changes accounts needs (`twofa users`, `twofa api-keys`).
func withDatabase<T>(_ config: AppConfig, _ body: (Database) throws -> T) throws -> T {
    let database = try DatabaseFactory.open(config, connections: 1)
    defer { database.close() }
    _ = try Migrator(directory: config.migrationsDirectory).migrate(database)
    return try body(database)
}
