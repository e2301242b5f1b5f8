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
        // Statements each safe alone (an upsert and a delete by key): no cluster-wide lock.
        let calls = try database.writeStatement("""
            INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES (?, ?, 1)
            ON CONFLICT (api_key, window_start) DO UPDATE SET calls = api_rate_windows.calls + 1
            RETURNING calls
            """, [.text(key), .integer(minute)]).first?.int("calls") ?? Int.max
        if calls == 1 {
            // The key's first call of a new minute (exactly one caller sees 1): older windows go.
            _ = try database.writeStatement("DELETE FROM api_rate_windows WHERE api_key = ? AND window_start < ?",
                                            [.text(key), .integer(minute)])
        }
        return calls <= limit
    }
}
