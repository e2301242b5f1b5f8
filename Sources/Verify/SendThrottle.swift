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

    /// Whether one more send to `number` for `purpose` from `ip` is allowed. An empty `ip`
    /// (API requests, whose caller is a backend serving many users) skips the per-IP limit.
    /// The per-number allowance is each purpose's own (VerifyStart.purpose): asking for
    /// passwordless codes to a number can't use up the sends of its owner's login PIN.
    func allows(number: String, purpose: String, ip: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        allows(counted: try db.queries(counts(number: number, purpose: purpose, ip: ip, now: now)))
    }

    /// The counts `allows` decides on, as statements a caller may send together with its
    /// other reads (one round trip on PostgreSQL): sends to the number for the purpose, then
    /// from the address (every purpose).
    func counts(number: String, purpose: String, ip: String, now: Int64) -> [SQLStatement] {
        let since = SQLValue.integer(now - Int64(window))
        let toNumber = ("""
            SELECT count(*) AS n FROM verify_events
            WHERE number = ? AND purpose = ? AND created_at > ? AND status != 'failed'
            """, [SQLValue.text(number), .text(purpose), since])
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
