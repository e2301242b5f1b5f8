import Database
import Security

/// A server-side login. The browser holds a random 256-bit token; the row holds only
/// its SHA-256, so a stolen database cannot be replayed as cookies.
/// `verifiedAt` stays nil until the PIN is entered: a half-logged-in session.
public struct Session: Sendable, Equatable {
    /// The proof that opened the session (`sessions.first_factor`). `.phone` (a passwordless code)
    /// means the second step may not be another code to the same phone; `.passkey` (issue 17) a
    /// passkey without user verification, which counts as one factor.
    public enum FirstFactor: String, Sendable {
        case password, phone, passkey
    }

    public let id: Int64
    public let userID: Int64
    public let csrfSecret: [UInt8]
    public let verifiedAt: Int64?
    public let createdAt: Int64
    public let lastSeenAt: Int64
    public let firstFactor: FirstFactor

    public var isVerified: Bool { verifiedAt != nil }

    static let columns = "id, user_id, csrf_secret, verified_at, created_at, last_seen_at, first_factor"

    init(row: Row) {
        id = row.int64("id") ?? 0
        userID = row.int64("user_id") ?? 0
        csrfSecret = row.blob("csrf_secret") ?? []
        verifiedAt = row.int64("verified_at")
        createdAt = row.int64("created_at") ?? 0
        lastSeenAt = row.int64("last_seen_at") ?? 0
        // Unknown values read as `.phone`, the stricter of the two.
        firstFactor = row.string("first_factor").map { FirstFactor(rawValue: $0) ?? .phone } ?? .password
    }

    /// The cookie value: 32 bytes from the CSPRNG, base64url.
    static func newToken() -> String { SecureRandom.token(byteCount: 32) }

    static func digest(of token: String) -> String { Hex.encode(Digest.sha256(token)) }

    /// Starts a half-logged-in session and returns it with the token for the cookie.
    public static func create(userID: Int64, ip: String, userAgent: String, firstFactor: FirstFactor = .password,
                              now: Int64, in db: DatabaseConnection) throws -> (Session, token: String) {
        let token = newToken()
        let secret = SecureRandom.bytes(32)
        let id = try db.insert("""
            INSERT INTO sessions (token_digest, user_id, csrf_secret, created_at, last_seen_at, ip, user_agent, first_factor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(digest(of: token)), .integer(userID), .blob(secret), .integer(now), .integer(now),
                  .text(ip), .text(String(userAgent.prefix(256))), .text(firstFactor.rawValue)])
        let session = Session(id: id, userID: userID, csrfSecret: secret, verifiedAt: nil,
                              createdAt: now, lastSeenAt: now, firstFactor: firstFactor)
        return (session, token)
    }

    public static func find(token: String, in db: DatabaseConnection) throws -> Session? {
        try db.queryOne("SELECT \(columns) FROM sessions WHERE token_digest = ?", [.text(digest(of: token))])
            .map(Session.init)
    }

    /// What a page view needs to know about its session, read in one query (it runs on every
    /// page view that the session cache can't answer).
    public struct Lookup: Sendable {
        public let session: Session
        public let user: User
        /// When the account's held password reset takes effect, if one is held (every signed-in
        /// page shows it, with a way to cancel it).
        public let heldResetUntil: Int64?
    }

    /// The session named by `token`, its user and what its pages show about the account.
    public static func lookUp(token: String, in db: DatabaseConnection) throws -> Lookup? {
        try lookUp(digest: digest(of: token), in: db)
    }

    /// The same, by the token's digest (`SessionCache` keys by it).
    static func lookUp(digest: String, in db: DatabaseConnection) throws -> Lookup? {
        guard let row = try db.queryOne(lookupSQL, [.text(digest)]) else { return nil }
        // The first columns are the session's, then the user's (both have an "id"), then the held reset's.
        let split = sessionColumnCount, userEnd = sessionColumnCount + userColumnCount
        let session = Session(row: Row(columns: Array(row.columns[..<split]), values: Array(row.values[..<split])))
        let user = User(row: Row(columns: Array(row.columns[split..<userEnd]), values: Array(row.values[split..<userEnd])))
        return Lookup(session: session, user: user, heldResetUntil: row.int64("held_reset_until"))
    }

    private static func qualified(_ columns: String, _ table: String) -> [String] {
        columns.split(separator: ",").map { "\(table).\($0.filter { !$0.isWhitespace })" }
    }

    private static let sessionColumnCount = qualified(columns, "s").count
    private static let userColumnCount = qualified(User.columns, "u").count
    private static let lookupSQL = "SELECT " + (qualified(columns, "s") + qualified(User.columns, "u")).joined(separator: ", ")
        + ", h.held_until AS held_reset_until"
        + " FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN held_password_resets h ON h.user_id = u.id"
        + " WHERE s.token_digest = ?"

    /// Whether the session has outlived the idle timeout or its absolute lifetime.
    public func isExpired(now: Int64, idleTimeout: Int, lifetime: Int) -> Bool {
        now - lastSeenAt > Int64(idleTimeout) || now - createdAt > Int64(lifetime)
    }

    /// Marks the PIN as entered and swaps in a new token and CSRF secret (no fixation:
    /// whatever token existed before the second factor is worthless after it).
    public func verified(now: Int64, in db: DatabaseConnection) throws -> (Session, token: String) {
        let token = Session.newToken()
        let secret = SecureRandom.bytes(32)
        try db.execute("UPDATE sessions SET token_digest = ?, csrf_secret = ?, verified_at = ?, last_seen_at = ? WHERE id = ?",
                       [.text(Session.digest(of: token)), .blob(secret), .integer(now), .integer(now), .integer(id)])
        let session = Session(id: id, userID: userID, csrfSecret: secret, verifiedAt: now, createdAt: createdAt, lastSeenAt: now,
                              firstFactor: firstFactor)
        return (session, token)
    }

    public func touch(now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    public static func destroy(id: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM sessions WHERE id = ?", [.integer(id)])
    }

    /// Ends every session of the user (after a password reset).
    public static func destroyAll(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM sessions WHERE user_id = ?", [.integer(userID)])
    }

    /// Ends every session of the user but one (after a password change).
    public static func destroyAll(userID: Int64, except keep: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM sessions WHERE user_id = ? AND id != ?", [.integer(userID), .integer(keep)])
    }

    init(id: Int64, userID: Int64, csrfSecret: [UInt8], verifiedAt: Int64?, createdAt: Int64, lastSeenAt: Int64,
         firstFactor: FirstFactor) {
        self.id = id; self.userID = userID; self.csrfSecret = csrfSecret
        self.verifiedAt = verifiedAt; self.createdAt = createdAt; self.lastSeenAt = lastSeenAt
        self.firstFactor = firstFactor
    }
}
