import Database

/// Brute-force regulation of password attempts (Authelia's "regulation"), per account and
/// per client IP, kept in the database so a restart lifts nothing:
///
/// - `maxFailures` failures within `window` seconds ban the account, or the IP, for
///   `banDuration` seconds;
/// - whatever the configuration, an account is locked for good after
///   `consecutiveFailureCap` (100, NIST SP 800-63B §5.2.2) failures in a row, until an
///   operator runs `twofa users unlock`.
///
/// `admit` reserves the attempt *before* bcrypt runs: it is written down as a failure at
/// once and only `succeeded` takes it back, so parallel guesses cannot slip past a limit.
public struct LoginRegulation: Sendable {
    public static let consecutiveFailureCap = 100

    public let maxFailures: Int
    public let window: Int
    public let banDuration: Int

    public init(maxFailures: Int, window: Int, banDuration: Int) {
        self.maxFailures = maxFailures
        self.window = window
        self.banDuration = banDuration
    }

    public enum Refusal: String, Sendable { case accountBanned = "account", ipBanned = "ip", accountLocked = "locked" }

    public enum Admission: Sendable, Equatable {
        /// Go ahead and check the password; hand `attempt` back to `succeeded` if it was right.
        case admitted(attempt: Int64, lockedNow: Bool)
        /// Refused without looking at the password.
        case refused(Refusal)
    }

    /// Checks bans and the lock, then records the attempt as a failure and bans whatever
    /// has now reached the limit. `userID` is nil for an unknown username.
    public func admit(userID: Int64?, ip: String, now: Int64, in db: DatabaseConnection) throws -> Admission {
        if let userID {
            let row = try db.queryOne("SELECT failed_logins, locked_at FROM users WHERE id = ?", [.integer(userID)])
            if row?.int64("locked_at") != nil || (row?.int("failed_logins") ?? 0) >= Self.consecutiveFailureCap {
                return .refused(.accountLocked)
            }
            if try isBanned(scope: "user", subject: String(userID), now: now, in: db) { return .refused(.accountBanned) }
        }
        if try isBanned(scope: "ip", subject: ip, now: now, in: db) { return .refused(.ipBanned) }

        let since = now - Int64(window)
        let attempt = try db.insert("INSERT INTO login_failures (user_id, ip, failed_at) VALUES (?, ?, ?)",
                                    [userID.map { .integer($0) } ?? .null, .text(ip), .integer(now)])
        var lockedNow = false
        if let userID {
            try db.execute("DELETE FROM login_failures WHERE user_id = ? AND failed_at <= ?", [.integer(userID), .integer(since)])
            try db.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [.integer(userID)])
            let failed = try db.queryOne("SELECT failed_logins FROM users WHERE id = ?", [.integer(userID)])?.int("failed_logins") ?? 0
            if failed >= Self.consecutiveFailureCap {
                try db.execute("UPDATE users SET locked_at = COALESCE(locked_at, ?) WHERE id = ?", [.integer(now), .integer(userID)])
                lockedNow = true
            }
            let recent = try count("user_id = ?", .integer(userID), since: since, in: db)
            if recent >= maxFailures { try ban(scope: "user", subject: String(userID), now: now, in: db) }
        }
        try db.execute("DELETE FROM login_failures WHERE ip = ? AND failed_at <= ?", [.text(ip), .integer(since)])
        if try count("ip = ?", .text(ip), since: since, in: db) >= maxFailures {
            try ban(scope: "ip", subject: ip, now: now, in: db)
        }
        return .admitted(attempt: attempt, lockedNow: lockedNow)
    }

    /// The password was right: the account's failures, ban and streak are forgiven, and an IP
    /// ban that only this attempt caused is lifted. (Failures against other accounts from the
    /// same IP stay: owning one account must not reset guesses at another.)
    public func succeeded(attempt: Int64, userID: Int64, ip: String, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM login_failures WHERE id = ? OR user_id = ?", [.integer(attempt), .integer(userID)])
        try db.execute("UPDATE users SET failed_logins = 0, locked_at = NULL WHERE id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(userID))])
        if try count("ip = ?", .text(ip), since: now - Int64(window), in: db) < maxFailures {
            try db.execute("DELETE FROM login_bans WHERE scope = 'ip' AND subject = ?", [.text(ip)])
        }
    }

    /// The password was never checked (the bcrypt pool was full): the attempt is taken back,
    /// with any ban it alone caused, so a busy server does not lock people out.
    public func abandoned(attempt: Int64, userID: Int64?, ip: String, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM login_failures WHERE id = ?", [.integer(attempt)])
        guard db.changes > 0 else { return }
        let since = now - Int64(window)
        if let userID {
            try db.execute("UPDATE users SET failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END WHERE id = ? AND locked_at IS NULL",
                           [.integer(userID)])
            if try count("user_id = ?", .integer(userID), since: since, in: db) < maxFailures {
                try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(userID))])
            }
        }
        if try count("ip = ?", .text(ip), since: since, in: db) < maxFailures {
            try db.execute("DELETE FROM login_bans WHERE scope = 'ip' AND subject = ?", [.text(ip)])
        }
    }

    /// `twofa users unlock`: clears the lock, the streak, the bans and the recent failures.
    public static func unlock(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET failed_logins = 0, locked_at = NULL WHERE id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_failures WHERE user_id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(userID))])
    }

    /// The account's state for `twofa users show`.
    public static func status(userID: Int64, now: Int64, in db: DatabaseConnection) throws
        -> (failedLogins: Int, lockedAt: Int64?, bannedUntil: Int64?) {
        let row = try db.queryOne("SELECT failed_logins, locked_at FROM users WHERE id = ?", [.integer(userID)])
        let ban = try db.queryOne("SELECT banned_until FROM login_bans WHERE scope = 'user' AND subject = ? AND banned_until > ?",
                                  [.text(String(userID)), .integer(now)])
        return (row?.int("failed_logins") ?? 0, row?.int64("locked_at"), ban?.int64("banned_until"))
    }

    // MARK: Internals

    private func isBanned(scope: String, subject: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS banned FROM login_bans WHERE scope = ? AND subject = ? AND banned_until > ?",
                        [.text(scope), .text(subject), .integer(now)]) != nil
    }

    private func ban(scope: String, subject: String, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO login_bans (scope, subject, banned_until) VALUES (?, ?, ?)
            ON CONFLICT (scope, subject) DO UPDATE SET banned_until = excluded.banned_until
            """, [.text(scope), .text(subject), .integer(now + Int64(banDuration))])
    }

    private func count(_ condition: String, _ value: SQLValue, since: Int64, in db: DatabaseConnection) throws -> Int {
        try db.queryOne("SELECT count(*) AS n FROM login_failures WHERE \(condition) AND failed_at > ?",
                        [value, .integer(since)])?.int("n") ?? 0
    }
}
