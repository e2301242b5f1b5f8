import Database
import Foundation
import Security

/// A passkey of an account (`passkeys`): a WebAuthn credential the account registered, with the
/// name the user gave it. Several per account; the credential ID is unique across all accounts.
public struct Passkey: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    /// base64url, as the browser names it.
    public let credentialID: String
    public let userHandle: String
    public let publicKey: [UInt8]
    public let signCount: Int64
    public let backedUp: Bool
    public let name: String
    public let createdAt: Int64
    public let lastUsedAt: Int64?
    public let cloneWarnedAt: Int64?

    static let columns = "id, user_id, credential_id, user_handle, public_key, sign_count, backed_up, name, created_at, last_used_at, clone_warned_at"

    init(row: Row) {
        id = row.int64("id") ?? 0
        userID = row.int64("user_id") ?? 0
        credentialID = row.string("credential_id") ?? ""
        userHandle = row.string("user_handle") ?? ""
        publicKey = row.blob("public_key") ?? []
        signCount = row.int64("sign_count") ?? 0
        backedUp = (row.int64("backed_up") ?? 0) != 0
        name = row.string("name") ?? ""
        createdAt = row.int64("created_at") ?? 0
        lastUsedAt = row.int64("last_used_at")
        cloneWarnedAt = row.int64("clone_warned_at")
    }

    public static let maxNameLength = 60

    /// The account's user handle (random, 32 bytes, base64url): its passkeys' if it has any,
    /// else a new one. Never the user id or the username (WebAuthn §14.6.1: no personal data).
    public static func userHandle(userID: Int64, in db: DatabaseConnection) throws -> String {
        try db.queryOne("SELECT user_handle FROM passkeys WHERE user_id = ? ORDER BY id LIMIT 1", [.integer(userID)])?
            .string("user_handle") ?? SecureRandom.token(byteCount: 32)
    }

    public static func all(userID: Int64, in db: DatabaseConnection) throws -> [Passkey] {
        try db.query("SELECT \(columns) FROM passkeys WHERE user_id = ? ORDER BY id", [.integer(userID)]).map(Passkey.init)
    }

    public static func count(userID: Int64, in db: DatabaseConnection) throws -> Int {
        Int(try db.queryOne("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = ?", [.integer(userID)])?.int64("n") ?? 0)
    }

    public static func find(credentialID: String, in db: DatabaseConnection) throws -> Passkey? {
        try db.queryOne("SELECT \(columns) FROM passkeys WHERE credential_id = ?", [.text(credentialID)]).map(Passkey.init)
    }

    public static func exists(credentialID: String, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS one FROM passkeys WHERE credential_id = ?", [.text(credentialID)]) != nil
    }

    /// Stores a verified registration; nil when the credential ID is already registered (to
    /// anyone: the unique index settles a race between two instances).
    public static func create(userID: Int64, userHandle: String, credential: RelyingParty.NewCredential, name: String,
                              now: Int64, in db: DatabaseConnection) throws -> Passkey? {
        let credentialID = Base64URL.encode(credential.credentialID)
        // ON CONFLICT rather than a check first: two instances registering the same credential
        // at once both pass a check, and on PostgreSQL a failed INSERT would abort the transaction.
        return try db.queryOne("""
            INSERT INTO passkeys (user_id, credential_id, user_handle, public_key, algorithm, sign_count,
                                  backup_eligible, backed_up, name, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (credential_id) DO NOTHING
            RETURNING \(columns)
            """, [.integer(userID), .text(credentialID), .text(userHandle), .blob(credential.publicKey),
                  .integer(Int64(credential.algorithm.rawValue)), .integer(Int64(credential.signCount)),
                  .integer(credential.backupEligible ? 1 : 0), .integer(credential.backedUp ? 1 : 0),
                  .text(name), .integer(now)]).map(Passkey.init)
    }

    /// A use: the new counter, or (`cloneWarning`) the moment a non-zero counter failed to increase.
    public func recordUse(signCount newCount: UInt32, backedUp: Bool, cloneWarning: Bool, now: Int64,
                          in db: DatabaseConnection) throws {
        try db.execute("""
            UPDATE passkeys SET sign_count = ?, backed_up = ?, last_used_at = ?,
                clone_warned_at = CASE WHEN ? = 1 THEN ? ELSE clone_warned_at END
            WHERE id = ?
            """, [.integer(max(signCount, Int64(newCount))), .integer(backedUp ? 1 : 0), .integer(now),
                  .integer(cloneWarning ? 1 : 0), .integer(now), .integer(id)])
    }

    /// WebAuthn §6.1.1: a counter that is non-zero (either side) and did not increase may mean a
    /// cloned authenticator. Zero on both sides is an authenticator without a counter.
    public func counterRegressed(to newCount: UInt32) -> Bool {
        (newCount != 0 || signCount != 0) && Int64(newCount) <= signCount
    }

    /// False when it is not the user's (or already gone).
    public static func rename(id: Int64, userID: Int64, to name: String, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?", [.text(name), .integer(id), .integer(userID)])
        return db.changes > 0
    }

    /// The deleted passkey's name, or nil when it is not the user's (or already gone).
    public static func delete(id: Int64, userID: Int64, in db: DatabaseConnection) throws -> String? {
        guard let row = try db.queryOne("SELECT name FROM passkeys WHERE id = ? AND user_id = ?", [.integer(id), .integer(userID)])
        else { return nil }
        try db.execute("DELETE FROM passkeys WHERE id = ? AND user_id = ?", [.integer(id), .integer(userID)])
        return row.string("name")
    }

    /// Marks the session as signed in with this passkey (the Sessions page says so).
    public func mark(sessionID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE sessions SET passkey_name = ? WHERE id = ?", [.text(name), .integer(sessionID)])
    }

    /// A name the user typed: trimmed, control characters dropped, at most `maxNameLength` characters.
    public static func cleanName(_ typed: String) -> String {
        String(typed.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) })
            .trimmingCharacters(in: .whitespacesAndNewlines).prefix(maxNameLength).description
    }
}
