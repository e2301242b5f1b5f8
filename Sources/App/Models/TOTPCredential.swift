import Database
import Security

/// A user's authenticator app (RFC 6238). The secret lives in the row only sealed by
/// `SecretBox` under `KeyGenerator.key(for: "totp")` with the user id as associated data, so a
/// box copied onto another user's row does not open. `enabledAt` is nil while set-up waits for
/// the first correct code; `lastStep` is the newest accepted time step (codes at or before it
/// are replays and refused).
public struct TOTPCredential: Sendable {
    public let userID: Int64
    public let secret: [UInt8]
    public let enabledAt: Int64?
    public let lastStep: Int64?

    public var isEnabled: Bool { enabledAt != nil }
    public var totp: TOTP { TOTP(secret: secret) }

    static func box(keys: KeyGenerator) throws -> SecretBox { try SecretBox(key: keys.key(for: "totp")) }
    static func associatedData(userID: Int64) -> [UInt8] { Array("totp user \(userID)".utf8) }

    /// The user's credential (pending or enabled), opened; nil when there is none.
    public static func find(userID: Int64, keys: KeyGenerator, in db: DatabaseConnection) throws -> TOTPCredential? {
        guard let row = try db.queryOne("SELECT secret_box, enabled_at, last_step FROM totp_credentials WHERE user_id = ?",
                                        [.integer(userID)]) else { return nil }
        let secret = try box(keys: keys).open(row.blob("secret_box") ?? [], associatedData: associatedData(userID: userID))
        return TOTPCredential(userID: userID, secret: secret, enabledAt: row.int64("enabled_at"), lastStep: row.int64("last_step"))
    }

    /// Whether the user has switched an authenticator app on (no decryption needed).
    public static func isEnabled(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS on_ FROM totp_credentials WHERE user_id = ? AND enabled_at IS NOT NULL",
                        [.integer(userID)]) != nil
    }

    /// Stores a fresh pending secret (replacing any earlier pending one) and returns it.
    public static func createPending(userID: Int64, keys: KeyGenerator, now: Int64, in db: DatabaseConnection) throws -> TOTPCredential {
        let secret = TOTP.generateSecret()
        let sealed = try box(keys: keys).seal(secret, associatedData: associatedData(userID: userID))
        try db.execute("""
            INSERT INTO totp_credentials (user_id, secret_box, enabled_at, last_step, created_at) VALUES (?, ?, NULL, NULL, ?)
            ON CONFLICT (user_id) DO UPDATE SET secret_box = excluded.secret_box, enabled_at = NULL, last_step = NULL,
                created_at = excluded.created_at
            """, [.integer(userID), .blob(sealed), .integer(now)])
        return TOTPCredential(userID: userID, secret: secret, enabledAt: nil, lastStep: nil)
    }

    /// Checks `code` against this credential at `now` and, when it matches a step newer than the
    /// last accepted one, records that step. The UPDATE's condition settles a race between two
    /// requests with the same code: only one of them changes the row. True when accepted.
    public func accept(_ code: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        guard let step = totp.verify(code, at: now, lastAcceptedStep: lastStep) else { return false }
        try db.execute("UPDATE totp_credentials SET last_step = ? WHERE user_id = ? AND (last_step IS NULL OR last_step < ?)",
                       [.integer(step), .integer(userID), .integer(step)])
        return db.changes > 0
    }

    /// Switches the pending credential on (after its first correct code).
    public static func enable(userID: Int64, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE totp_credentials SET enabled_at = ? WHERE user_id = ?", [.integer(now), .integer(userID)])
    }

    public static func delete(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM totp_credentials WHERE user_id = ?", [.integer(userID)])
    }
}
