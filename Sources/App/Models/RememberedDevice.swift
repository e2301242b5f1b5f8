import Database
import Security

/// "Remember this device for 30 days": after the second factor the browser may get a cookie
/// that skips it at later logins (the password is still asked every time).
///
/// Cookie value: `<row id>.<random token>.<HMAC>`; the HMAC-SHA256 under
/// `KeyGenerator.key(for: "remember")` covers the user id, the row id and the token, so the
/// cookie works only for the user it was made for and cannot be forged or edited. The row keeps
/// only the token's SHA-256; deleting the row (revoke, password change, "log out everywhere
/// else") makes the cookie worthless at once. One browser remembers one account at a time.
public struct RememberedDevice: Sendable, Equatable {
    public static let lifetime: Int64 = 30 * 24 * 3600
    public static let cookieName = "twofa_remember"

    public let id: Int64
    public let userID: Int64
    public let ip: String
    public let userAgent: String
    public let createdAt: Int64
    public let expiresAt: Int64
    public let lastUsedAt: Int64?

    init(row: Row) {
        id = row.int64("id") ?? 0
        userID = row.int64("user_id") ?? 0
        ip = row.string("ip") ?? ""
        userAgent = row.string("user_agent") ?? ""
        createdAt = row.int64("created_at") ?? 0
        expiresAt = row.int64("expires_at") ?? 0
        lastUsedAt = row.int64("last_used_at")
    }

    static let columns = "id, user_id, ip, user_agent, created_at, expires_at, last_used_at"

    static func signature(userID: Int64, id: Int64, token: String, keys: KeyGenerator) -> [UInt8] {
        Digest.hmacSHA256(key: keys.key(for: "remember"), message: "\(userID).\(id).\(token)")
    }

    /// Creates the row and returns the cookie value.
    public static func create(userID: Int64, ip: String, userAgent: String, keys: KeyGenerator, now: Int64,
                              in db: DatabaseConnection) throws -> String {
        let token = SecureRandom.token(byteCount: 32)
        let id = try db.insert("""
            INSERT INTO remembered_devices (user_id, token_digest, ip, user_agent, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.integer(userID), .text(Hex.encode(Digest.sha256(token))), .text(String(ip.prefix(64))),
                  .text(String(userAgent.prefix(256))), .integer(now), .integer(now + lifetime)])
        return "\(id).\(token).\(Base64URL.encode(signature(userID: userID, id: id, token: token, keys: keys)))"
    }

    /// The live row the cookie names for `userID`, after checking its signature in constant
    /// time; nil for a forged, altered, revoked, expired or someone else's cookie.
    public static func find(cookie: String, userID: Int64, keys: KeyGenerator, now: Int64,
                            in db: DatabaseConnection) throws -> RememberedDevice? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let id = Int64(parts[0]), let mac = Base64URL.decode(parts[2]),
              ConstantTime.equals(mac, signature(userID: userID, id: id, token: parts[1], keys: keys)) else { return nil }
        guard let row = try db.queryOne("SELECT \(columns), token_digest FROM remembered_devices WHERE id = ? AND user_id = ?",
                                        [.integer(id), .integer(userID)]),
              ConstantTime.equals(Array((row.string("token_digest") ?? "").utf8), Array(Hex.encode(Digest.sha256(parts[1])).utf8))
        else { return nil }
        let device = RememberedDevice(row: row)
        return device.expiresAt > now ? device : nil
    }

    public static func touch(id: Int64, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE remembered_devices SET last_used_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    /// The user's devices that have not expired, newest first.
    public static func active(userID: Int64, now: Int64, in db: DatabaseConnection) throws -> [RememberedDevice] {
        try db.query("SELECT \(columns) FROM remembered_devices WHERE user_id = ? AND expires_at > ? ORDER BY id DESC",
                     [.integer(userID), .integer(now)]).map(RememberedDevice.init)
    }

    /// Revokes one device of the user; false when it is not theirs or already gone.
    public static func revoke(id: Int64, userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("DELETE FROM remembered_devices WHERE id = ? AND user_id = ?", [.integer(id), .integer(userID)])
        return db.changes > 0
    }

    /// Revokes every device of the user (password change, "log out everywhere else"); returns how many.
    @discardableResult
    public static func revokeAll(userID: Int64, in db: DatabaseConnection) throws -> Int {
        try db.execute("DELETE FROM remembered_devices WHERE user_id = ?", [.integer(userID)])
        return db.changes
    }
}
