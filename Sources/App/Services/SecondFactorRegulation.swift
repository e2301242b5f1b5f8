import Database
import Security

/// Attempt limits for codes typed at the second-factor step that the Verify engine does not
/// see (authenticator-app and recovery codes). SMS/voice PINs keep the engine's own limit
/// (`PIN_MAX_ATTEMPTS` wrong → that code is dead) and count towards the account limit below
/// (`pinAttempt`); app and recovery codes mirror the engine's limit and add the account limit:
///
/// - per session: `PIN_MAX_ATTEMPTS` (3) wrong codes end the session — start over with the
///   password (which `LoginRegulation` counts);
/// - per account: `LOGIN_MAX_FAILURES` (5) wrong codes within `LOGIN_FAILURE_WINDOW` ban the
///   account for `LOGIN_BAN_DURATION`, through the same `login_bans` row a password ban uses,
///   so someone who knows the password cannot keep logging in for 3 more guesses each time.
///   These failures live in their own table because a correct password forgives
///   `login_failures`, and must not forgive guesses at the second factor.
///
/// A known device (`DeviceCookie`) got past the password step while strangers had banned or
/// locked the account; the step after must not turn it away for the same reason. For it only
/// the wrong codes count: the recent ones, and a ban they caused (its own `login_bans` row,
/// subject `codes:<user id>`, which no password lifts).
public struct SecondFactorRegulation: Sendable {
    public let maxPerSession: Int
    public let login: LoginRegulation

    public enum Outcome: Equatable, Sendable {
        /// Wrong; this many tries are left in the session.
        case triesLeft(Int)
        /// Wrong for the last time: end the session.
        case sessionOver
    }

    /// Whether the account is banned (by wrong passwords or wrong codes) or locked right now.
    public func isRefused(userID: Int64, now: Int64, in db: DatabaseConnection) throws -> Bool {
        let status = try LoginRegulation.status(userID: userID, now: now, in: db)
        return status.lockedAt != nil || status.bannedUntil != nil
    }

    public enum Refusal: Equatable, Sendable {
        /// Banned or locked, or at the account limit of wrong codes.
        case account
        /// This session has had its `maxPerSession` wrong codes.
        case session
    }

    /// Whether a code may not even be checked now, and why. Call it in the same write
    /// transaction as the check and `failed`, so parallel guesses are counted one after
    /// another and none slips past a limit. The recent wrong codes are counted too, not only
    /// the ban row: a right password (`LoginRegulation.succeeded`) lifts that row.
    public func refusal(userID: Int64, session: Session, knownDevice: Bool = false, now: Int64,
                        in db: DatabaseConnection) throws -> Refusal? {
        try refusal(userID: userID, sessionKey: Self.key(of: session), knownDevice: knownDevice, now: now, in: db)
    }

    /// The same for tries named by `sessionKey` (a password reset's, which has no session).
    func refusal(userID: Int64, sessionKey: String, knownDevice: Bool = false, now: Int64,
                 in db: DatabaseConnection) throws -> Refusal? {
        if try isAccountRefused(userID: userID, knownDevice: knownDevice, now: now, in: db) { return .account }
        let inSession = try db.queryOne("SELECT count(*) AS n FROM second_factor_failures WHERE session_key = ?",
                                        [.text(sessionKey)])?.int("n") ?? 0
        return inSession >= maxPerSession ? .session : nil
    }

    /// Banned or locked, or at the account limit of recent wrong codes. For a known device, only
    /// what wrong codes caused counts (see the type's comment).
    func isAccountRefused(userID: Int64, knownDevice: Bool = false, now: Int64, in db: DatabaseConnection) throws -> Bool {
        if knownDevice {
            if try db.queryOne("SELECT 1 AS banned FROM login_bans WHERE scope = 'user' AND subject = ? AND banned_until > ?",
                               [.text(Self.codesSubject(userID)), .integer(now)]) != nil { return true }
        } else if try isRefused(userID: userID, now: now, in: db) {
            return true
        }
        let recent = try db.queryOne("SELECT count(*) AS n FROM second_factor_failures WHERE user_id = ? AND failed_at > ?",
                                     [.integer(userID), .integer(now - Int64(login.window))])?.int("n") ?? 0
        return recent >= login.maxFailures
    }

    // MARK: Texted PINs

    /// A texted PIN is checked by the Verify engine in its own transaction (or over HTTP), so it
    /// cannot share one with the refusal: it is written down as a wrong code first (parallel
    /// guesses see it), then kept (`pinWrong`) or taken back (`pinTakenBack`). Only the account
    /// limit applies: the engine's own per-code limit stands for the session's.
    public struct PINAttempt: Sendable { let id: Int64; let userID: Int64 }

    /// Nil when the account may not check a code now (banned, locked or at the limit).
    public func pinAttempt(userID: Int64, session: Session, knownDevice: Bool = false, now: Int64,
                           in db: DatabaseConnection) throws -> PINAttempt? {
        if try isAccountRefused(userID: userID, knownDevice: knownDevice, now: now, in: db) { return nil }
        try db.execute("DELETE FROM second_factor_failures WHERE user_id = ? AND failed_at <= ?",
                       [.integer(userID), .integer(now - Int64(login.window))])
        // Its own session key, so texted PINs don't use up the session's app/recovery-code tries.
        let id = try db.insert("INSERT INTO second_factor_failures (user_id, session_key, failed_at) VALUES (?, ?, ?)",
                               [.integer(userID), .text("pin:" + Self.key(of: session)), .integer(now)])
        return PINAttempt(id: id, userID: userID)
    }

    /// The PIN was compared and wrong: it stays counted, and bans the account at the limit.
    public func pinWrong(_ attempt: PINAttempt, now: Int64, in db: DatabaseConnection) throws {
        let recent = try db.queryOne("SELECT count(*) AS n FROM second_factor_failures WHERE user_id = ? AND failed_at > ?",
                                     [.integer(attempt.userID), .integer(now - Int64(login.window))])?.int("n") ?? 0
        if recent >= login.maxFailures { try ban(userID: attempt.userID, now: now, in: db) }
    }

    /// The PIN was right, or never compared (dead, expired or replaced code): not a guess.
    public func pinTakenBack(_ attempt: PINAttempt, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM second_factor_failures WHERE id = ?", [.integer(attempt.id)])
    }

    /// The account's ban (which strangers' password attempts share) and the codes' own row.
    private func ban(userID: Int64, now: Int64, in db: DatabaseConnection) throws {
        for subject in [String(userID), Self.codesSubject(userID)] {
            try db.execute("""
                INSERT INTO login_bans (scope, subject, banned_until) VALUES ('user', ?, ?)
                ON CONFLICT (scope, subject) DO UPDATE SET banned_until = excluded.banned_until
                """, [.text(subject), .integer(now + Int64(login.banDuration))])
        }
    }

    /// The `login_bans` subject of a ban caused by wrong codes alone.
    static func codesSubject(_ userID: Int64) -> String { "codes:\(userID)" }

    /// Names one half-logged-in session for counting (sessions.id can be reused after a delete).
    static func key(of session: Session) -> String { Hex.encode(Digest.sha256(session.csrfSecret)) }

    /// Records a wrong code and bans the account when it reaches the account limit.
    public func failed(userID: Int64, session: Session, now: Int64, in db: DatabaseConnection) throws -> Outcome {
        try failed(userID: userID, sessionKey: Self.key(of: session), now: now, in: db)
    }

    /// The same for tries named by `sessionKey` (a password reset's).
    func failed(userID: Int64, sessionKey: String, now: Int64, in db: DatabaseConnection) throws -> Outcome {
        let since = now - Int64(login.window)
        try db.execute("DELETE FROM second_factor_failures WHERE user_id = ? AND failed_at <= ?", [.integer(userID), .integer(since)])
        try db.execute("INSERT INTO second_factor_failures (user_id, session_key, failed_at) VALUES (?, ?, ?)",
                       [.integer(userID), .text(sessionKey), .integer(now)])
        let recent = try db.queryOne("SELECT count(*) AS n FROM second_factor_failures WHERE user_id = ? AND failed_at > ?",
                                     [.integer(userID), .integer(since)])?.int("n") ?? 0
        if recent >= login.maxFailures { try ban(userID: userID, now: now, in: db) }
        let inSession = try db.queryOne("SELECT count(*) AS n FROM second_factor_failures WHERE session_key = ?",
                                        [.text(sessionKey)])?.int("n") ?? 0
        return inSession >= maxPerSession ? .sessionOver : .triesLeft(maxPerSession - inSession)
    }
}
