import Database

/// The sign-up form's sibling of LoginRegulation's per-address side: at most `maxPerIP`
/// attempts (every POST /user, valid or not) from one client address within `window`
/// seconds (SIGNUP_MAX_PER_IP, SIGNUP_WINDOW), so the form can't test usernames in bulk or
/// make us text numbers from one address. It also spaces out the texts that tell a number's
/// owner someone tried to sign up with it: at most one per number per window. In the
/// database, so both limits hold across instances and restarts.
struct SignUpRegulation: Sendable {
    let maxPerIP: Int
    let window: Int

    init(config: AppConfig) { maxPerIP = config.signupMaxPerIP; window = config.signupWindow }

    /// Records the attempt and returns its id, or nil (nothing recorded) when the address
    /// has reached its limit.
    func admit(ip: String, now: Int64, in db: DatabaseConnection) throws -> Int64? {
        let since = now - Int64(window)
        // Only the last window's attempts are ever read: the table stays that small.
        try db.execute("DELETE FROM signup_attempts WHERE attempted_at <= ?", [.integer(since)])
        let recent = try db.queryOne("SELECT count(*) AS n FROM signup_attempts WHERE ip = ? AND attempted_at > ?",
                                     [.text(ip), .integer(since)])?.int("n") ?? 0
        guard recent < maxPerIP else { return nil }
        return try db.insert("INSERT INTO signup_attempts (ip, attempted_at) VALUES (?, ?)", [.text(ip), .integer(now)])
    }

    /// Whether the owner of `number` may be told about `attempt` now: no other attempt told
    /// them within the window. Marks the attempt as the one that told them.
    func mayNotify(number: String, attempt: Int64, now: Int64, in db: DatabaseConnection) throws -> Bool {
        let told = try db.queryOne("SELECT 1 AS told FROM signup_attempts WHERE notified_number = ? AND attempted_at > ?",
                                   [.text(number), .integer(now - Int64(window))])
        guard told == nil else { return false }
        try db.execute("UPDATE signup_attempts SET notified_number = ? WHERE id = ?", [.text(number), .integer(attempt)])
        return true
    }
}
