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
        allows(counted: try db.queries(counts(number: number, ip: ip, now: now)))
    }

    /// The counts `allows` decides on, as statements a caller may send together with its
    /// other reads (one round trip on PostgreSQL): sends to the number, then from the address.
    func counts(number: String, ip: String, now: Int64) -> [SQLStatement] {
        let since = SQLValue.integer(now - Int64(window))
        let toNumber = ("SELECT count(*) AS n FROM verify_events WHERE number = ? AND created_at > ? AND status != 'failed'",
                        [SQLValue.text(number), since])
        guard !ip.isEmpty else { return [toNumber] }
        return [toNumber, ("SELECT count(*) AS n FROM verify_events WHERE ip = ? AND created_at > ? AND status != 'failed'",
                           [.text(ip), since])]
    }

    /// Whether the rows of `counts` allow one more send.
    func allows(counted rows: [[Row]]) -> Bool {
        let toNumber = rows.first?.first?.int("n") ?? 0
        let fromIP = rows.dropFirst().first?.first?.int("n") ?? 0
        return toNumber < maxPerNumber && fromIP < maxPerIP
    }
}
