import Database

/// The per-address limit on requests of the untold flows ("Forgot your password?" and
/// passwordless login). Their sends are left out of the per-address send count (SendThrottle's
/// `untoldPurposes`): that count moves only when a code goes out, so it would tell whether the
/// account named exists. Their requests are counted instead, every one whether or not an account
/// exists, from the rows each request makes (`password_resets`, `passwordless_logins`, by `ip`),
/// against VERIFY_MAX_SENDS_PER_IP within VERIFY_SEND_WINDOW: each request may cost one text, so
/// an address gets the same allowance of them as of other codes. Over it the visitor sees the
/// same page as ever; nothing is sent and nothing recorded for the account.
enum UntoldRequestLimit {
    /// What the caller's write locks on, so two instances can't both count the last free request.
    static func lockKeys(ip: String) -> [String] { ip.isEmpty ? [] : ["untold-ip:\(ip)"] }

    /// Whether one more request from `ip` may send a code, counted before its own row is made
    /// (in the same transaction, under `lockKeys`).
    static func allows(ip: String, now: Int64, config: AppConfig, in db: DatabaseConnection) throws -> Bool {
        guard !ip.isEmpty else { return true }
        let since = SQLValue.integer(now - Int64(config.verifySendWindow))
        let rows = try db.queries([
            ("SELECT count(*) AS n FROM password_resets WHERE ip = ? AND created_at > ?", [.text(ip), since]),
            ("SELECT count(*) AS n FROM passwordless_logins WHERE ip = ? AND created_at > ?", [.text(ip), since]),
        ])
        let made = rows.reduce(0) { $0 + ($1.first?.int("n") ?? 0) }
        return made < config.verifyMaxSendsPerIP
    }
}
