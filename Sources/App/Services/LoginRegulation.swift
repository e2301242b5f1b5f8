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
/// A browser presenting a valid device cookie for the account (`DeviceCookie`) is not a
/// stranger: the account's ban and lock do not apply to it, its attempts do not count towards
/// them, and it has the same limits of its own instead (`maxFailures` in `window` ban the device
/// for `banDuration`; 100 in a row lock the device), kept in `login_devices`. So strangers who
/// know a username can ban it, but cannot keep its owner out. The IP ban, and a ban wrong
/// second-factor codes caused (`SecondFactorRegulation`), apply to everyone.
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

    public enum Refusal: String, Sendable {
        case accountBanned = "account", ipBanned = "ip", accountLocked = "locked"
        /// The device cookie's own limits: banned for a while, or locked after 100 in a row.
        case deviceBanned = "device", deviceLocked = "device_locked"

        public var isDevice: Bool { self == .deviceBanned || self == .deviceLocked }
    }

    public enum Admission: Sendable, Equatable {
        /// Go ahead and check the password; hand `attempt` back to `succeeded` if it was right.
        /// `lockedNow`: this attempt locked the account. `pastBan`: a known device let through
        /// while the account is banned or locked to strangers.
        case admitted(attempt: Int64, lockedNow: Bool, pastBan: Bool)
        /// Refused without looking at the password.
        case refused(Refusal)
    }

    /// Checks bans and the lock, then records the attempt as a failure and bans whatever
    /// has now reached the limit. `userID` is nil for an unknown username; `device` is the key
    /// of a device cookie already checked to be genuine for `userID` (nil: a stranger).
    public func admit(userID: Int64?, ip: String, device: String? = nil, now: Int64,
                      in db: DatabaseConnection) throws -> Admission {
        if let userID, let device { return try admitKnown(device: device, userID: userID, ip: ip, now: now, in: db) }
        if let userID {
            if try isLocked(userID: userID, in: db) { return .refused(.accountLocked) }
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
            let recent = try count(Self.strangers, .integer(userID), since: since, in: db)
            if recent >= maxFailures { try ban(scope: "user", subject: String(userID), now: now, in: db) }
        }
        try countForIP(ip, now: now, in: db)
        return .admitted(attempt: attempt, lockedNow: lockedNow, pastBan: false)
    }

    /// A known device: its own ban and lock instead of the account's (see the type's comment).
    private func admitKnown(device: String, userID: Int64, ip: String, now: Int64, in db: DatabaseConnection) throws -> Admission {
        let state = try db.queryOne("SELECT failed_logins, banned_until, locked_at FROM login_devices WHERE device = ? AND user_id = ?",
                                    [.text(device), .integer(userID)])
        if state?.int64("locked_at") != nil || (state?.int("failed_logins") ?? 0) >= Self.consecutiveFailureCap {
            return .refused(.deviceLocked)
        }
        if let until = state?.int64("banned_until"), until > now { return .refused(.deviceBanned) }
        if try isBanned(scope: "ip", subject: ip, now: now, in: db) { return .refused(.ipBanned) }
        // A ban wrong second-factor codes caused is no stranger's doing (they had the password): it holds.
        if try isBanned(scope: "user", subject: SecondFactorRegulation.codesSubject(userID), now: now, in: db) {
            return .refused(.accountBanned)
        }
        let pastBan = try isLocked(userID: userID, in: db) || isBanned(scope: "user", subject: String(userID), now: now, in: db)

        let since = now - Int64(window)
        let attempt = try db.insert("INSERT INTO login_failures (user_id, ip, failed_at, device) VALUES (?, ?, ?, ?)",
                                    [.integer(userID), .text(ip), .integer(now), .text(device)])
        try db.execute("DELETE FROM login_failures WHERE device = ? AND failed_at <= ?", [.text(device), .integer(since)])
        try db.execute("""
            INSERT INTO login_devices (device, user_id, failed_logins) VALUES (?, ?, 1)
            ON CONFLICT (device) DO UPDATE SET failed_logins = login_devices.failed_logins + 1
            """, [.text(device), .integer(userID)])
        let failed = try db.queryOne("SELECT failed_logins FROM login_devices WHERE device = ?",
                                     [.text(device)])?.int("failed_logins") ?? 0
        if failed >= Self.consecutiveFailureCap {
            try db.execute("UPDATE login_devices SET locked_at = COALESCE(locked_at, ?) WHERE device = ?", [.integer(now), .text(device)])
        }
        if try count("device = ?", .text(device), since: since, in: db) >= maxFailures {
            try db.execute("UPDATE login_devices SET banned_until = ? WHERE device = ?",
                           [.integer(now + Int64(banDuration)), .text(device)])
        }
        try countForIP(ip, now: now, in: db)
        return .admitted(attempt: attempt, lockedNow: false, pastBan: pastBan)
    }

    /// The password was right: the account's failures, ban and streak are forgiven, and an IP
    /// ban that only this attempt caused is lifted. (Failures against other accounts from the
    /// same IP stay: owning one account must not reset guesses at another.) From a known device
    /// only that device's failures, ban and streak are: the strangers' ban and streak stay.
    public func succeeded(attempt: Int64, userID: Int64, ip: String, now: Int64, in db: DatabaseConnection) throws {
        if let device = try device(of: attempt, in: db) {
            try db.execute("DELETE FROM login_failures WHERE id = ? OR device = ?", [.integer(attempt), .text(device)])
            try db.execute("DELETE FROM login_devices WHERE device = ?", [.text(device)])
        } else {
            try db.execute("DELETE FROM login_failures WHERE id = ? OR (\(Self.strangers))", [.integer(attempt), .integer(userID)])
            try db.execute("UPDATE users SET failed_logins = 0, locked_at = NULL WHERE id = ?", [.integer(userID)])
            try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(userID))])
        }
        try liftIPBanIfUnder(ip, now: now, in: db)
    }

    /// A right passwordless code: it proves the phone, not the password, so it takes back only
    /// its own attempt. Earlier failures, the ban and the in-a-row count (the account's, or the
    /// device's) stay as they were.
    public func codeAccepted(attempt: Int64, userID: Int64, ip: String, now: Int64, in db: DatabaseConnection) throws {
        try takeBack(attempt: attempt, userID: userID, ip: ip, now: now, in: db)
    }

    /// The password was never checked (the bcrypt pool was full): the attempt is taken back,
    /// with any ban it alone caused, so a busy server does not lock people out.
    public func abandoned(attempt: Int64, userID: Int64?, ip: String, now: Int64, in db: DatabaseConnection) throws {
        try takeBack(attempt: attempt, userID: userID, ip: ip, now: now, in: db)
    }

    /// `twofa users unlock`: clears the lock, the streak, the bans and the recent failures,
    /// the account's devices' included.
    public static func unlock(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET failed_logins = 0, locked_at = NULL WHERE id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_failures WHERE user_id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_devices WHERE user_id = ?", [.integer(userID)])
        try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject IN (?, ?)",
                       [.text(String(userID)), .text(SecondFactorRegulation.codesSubject(userID))])
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

    /// The account's own failures: strangers' attempts, not its known devices'.
    private static let strangers = "user_id = ? AND device IS NULL"

    /// Undoes one admitted attempt as if it had never been made: its row, its step of the
    /// in-a-row count (unless that locked), and any ban it alone caused.
    private func takeBack(attempt: Int64, userID: Int64?, ip: String, now: Int64, in db: DatabaseConnection) throws {
        let device = try device(of: attempt, in: db)
        try db.execute("DELETE FROM login_failures WHERE id = ?", [.integer(attempt)])
        guard db.changes > 0 else { return }
        let since = now - Int64(window)
        if let device {
            try db.execute("""
                UPDATE login_devices SET failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END
                WHERE device = ? AND locked_at IS NULL
                """, [.text(device)])
            if try count("device = ?", .text(device), since: since, in: db) < maxFailures {
                try db.execute("UPDATE login_devices SET banned_until = NULL WHERE device = ?", [.text(device)])
            }
        } else if let userID {
            try db.execute("UPDATE users SET failed_logins = CASE WHEN failed_logins > 0 THEN failed_logins - 1 ELSE 0 END WHERE id = ? AND locked_at IS NULL",
                           [.integer(userID)])
            if try count(Self.strangers, .integer(userID), since: since, in: db) < maxFailures {
                try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(userID))])
            }
        }
        try liftIPBanIfUnder(ip, now: now, in: db)
    }

    /// The device key an attempt was made with; nil for a stranger's (or a gone) attempt.
    private func device(of attempt: Int64, in db: DatabaseConnection) throws -> String? {
        try db.queryOne("SELECT device FROM login_failures WHERE id = ?", [.integer(attempt)])?.string("device")
    }

    private func isLocked(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        let row = try db.queryOne("SELECT failed_logins, locked_at FROM users WHERE id = ?", [.integer(userID)])
        return row?.int64("locked_at") != nil || (row?.int("failed_logins") ?? 0) >= Self.consecutiveFailureCap
    }

    /// Counts the attempt against the client address, banning it at the limit.
    private func countForIP(_ ip: String, now: Int64, in db: DatabaseConnection) throws {
        let since = now - Int64(window)
        try db.execute("DELETE FROM login_failures WHERE ip = ? AND failed_at <= ?", [.text(ip), .integer(since)])
        if try count("ip = ?", .text(ip), since: since, in: db) >= maxFailures {
            try ban(scope: "ip", subject: ip, now: now, in: db)
        }
    }

    private func liftIPBanIfUnder(_ ip: String, now: Int64, in db: DatabaseConnection) throws {
        if try count("ip = ?", .text(ip), since: now - Int64(window), in: db) < maxFailures {
            try db.execute("DELETE FROM login_bans WHERE scope = 'ip' AND subject = ?", [.text(ip)])
        }
    }

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
