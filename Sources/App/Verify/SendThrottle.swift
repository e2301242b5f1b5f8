import Database

/// Limits on user-initiated sends against SMS pumping (fraudsters triggering texts to
/// premium numbers they are paid for): at most `maxPerNumber` events to one number and
/// `maxPerIP` from one client address within `window` seconds. Counted from the events
/// table, so the limits hold across restarts and processes. Failed deliveries don't count.
public struct SendThrottle: Sendable {
    public let maxPerNumber: Int
    public let maxPerIP: Int
    public let window: Int

    public init(maxPerNumber: Int, maxPerIP: Int, window: Int) {
        self.maxPerNumber = maxPerNumber; self.maxPerIP = maxPerIP; self.window = window
    }

    /// Whether one more send to `number` from `ip` is allowed. An empty `ip` (API
    /// requests, whose caller is a backend serving many users) skips the per-IP limit.
    func allows(number: String, ip: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        let since = now - Int64(window)
        let toNumber = try db.queryOne("""
            SELECT count(*) AS n FROM verify_events WHERE number = ? AND created_at > ? AND status != 'failed'
            """, [.text(number), .integer(since)])?.int("n") ?? 0
        if toNumber >= maxPerNumber { return false }
        guard !ip.isEmpty else { return true }
        let fromIP = try db.queryOne("""
            SELECT count(*) AS n FROM verify_events WHERE ip = ? AND created_at > ? AND status != 'failed'
            """, [.text(ip), .integer(since)])?.int("n") ?? 0
        return fromIP < maxPerIP
    }
}
