import Database

/// Opens the engine DATABASE_URL names: PostgreSQL for `postgres://` and `postgresql://`
/// URLs, otherwise the SQLite file. Everything above this sees only `Database`.
enum DatabaseFactory {
    /// `connections`: how many threads may use the database at once (SQLite readers; the
    /// PostgreSQL pool is DATABASE_POOL, which already counts them).
    static func open(_ config: AppConfig, connections: Int) throws -> Database {
        if let url = config.postgresURL {
            return try PostgreSQLDatabase(url: url, poolSize: min(config.databasePool, max(1, connections)))
        }
        return try SQLiteDatabase(path: config.databasePath, readers: connections, writerNiceness: Int32(config.writerNice))
    }
}
