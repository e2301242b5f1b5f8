import Database

/// At most `limit` calls per API key in each fixed 60-second window, counted in the
/// database (`api_rate_windows`) so that the limit holds across instances: three instances
/// behind a proxy give a noisy client `limit` calls a minute, not three times as many.
public struct APIRateLimiter: Sendable {
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// Counts one call; false when the key is over its limit for the current minute.
    public func allow(key: String, now: Int64, in database: Database) throws -> Bool {
        let minute = now - now % 60
        // Two statements each safe alone (a delete and an upsert by key): no cluster-wide lock.
        let calls = try database.concurrentWrite { db -> Int in
            try db.execute("DELETE FROM api_rate_windows WHERE api_key = ? AND window_start < ?",
                           [.text(key), .integer(minute - 60)])
            return try db.queryOne("""
                INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES (?, ?, 1)
                ON CONFLICT (api_key, window_start) DO UPDATE SET calls = api_rate_windows.calls + 1
                RETURNING calls
                """, [.text(key), .integer(minute)])?.int("calls") ?? Int.max
        }
        return calls <= limit
    }
}
