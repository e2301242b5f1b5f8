import Database
import Security

/// A password reset held back (`held_password_resets`): a phone-only account reset from a
/// browser it does not know, whose new password works only from `heldUntil` on
/// (PASSWORD_RESET_HOLD). Until then the current password works, and a login with it cancels
/// the reset: a SIM swapper has the texts, not the password. `PasswordResetting` applies it.
public struct HeldPasswordReset: Sendable, Equatable {
    public let userID: Int64
    /// The bcrypt digest of the new password.
    let passwordDigest: String
    /// SHA-256 of the digest it replaces: any other password change since voids it.
    let replacesDigest: String
    public let heldUntil: Int64
    public let createdAt: Int64

    init(row: Row) {
        userID = row.int64("user_id") ?? 0
        passwordDigest = row.string("password_digest") ?? ""
        replacesDigest = row.string("replaces_digest") ?? ""
        heldUntil = row.int64("held_until") ?? 0
        createdAt = row.int64("created_at") ?? 0
    }

    static func fingerprint(_ digest: String) -> String { Hex.encode(Digest.sha256(digest)) }

    /// Holds `newDigest` for the account until `until`, replacing any reset already held.
    static func hold(userID: Int64, newDigest: String, replacing currentDigest: String, until: Int64, now: Int64,
                     in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO held_password_resets (user_id, password_digest, replaces_digest, held_until, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET password_digest = excluded.password_digest,
                replaces_digest = excluded.replaces_digest, held_until = excluded.held_until, created_at = excluded.created_at
            """, [.integer(userID), .text(newDigest), .text(fingerprint(currentDigest)), .integer(until), .integer(now)])
    }

    public static func find(userID: Int64, in db: DatabaseConnection) throws -> HeldPasswordReset? {
        try db.queryOne("""
            SELECT user_id, password_digest, replaces_digest, held_until, created_at FROM held_password_resets WHERE user_id = ?
            """, [.integer(userID)]).map(HeldPasswordReset.init)
    }

    /// Whether it still stands against the account's current digest.
    func replaces(_ currentDigest: String) -> Bool {
        ConstantTime.equals(Array(replacesDigest.utf8), Array(Self.fingerprint(currentDigest).utf8))
    }

    /// Removes the account's held reset; false when there was none (another request took it).
    @discardableResult
    static func delete(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("DELETE FROM held_password_resets WHERE user_id = ?", [.integer(userID)])
        return db.changes > 0
    }
}
