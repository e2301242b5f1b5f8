import Database
import Security

/// An app allowed to call the Verify JSON API. The secret (32 random bytes, shown once)
/// is kept only as its SHA-256: it is high-entropy, so a slow hash would add nothing.
public struct ApiClient: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let apiKey: String
    public let createdAt: Int64
    public let revokedAt: Int64?
    /// May choose its users' codes (`pin_code`, Twilio's CustomCode): `twofa api-keys custom-codes KEY on`.
    public var customCodes = false

    public var isRevoked: Bool { revokedAt != nil }

    init(row: Row) {
        id = row.int64("id") ?? 0
        name = row.string("name") ?? ""
        apiKey = row.string("api_key") ?? ""
        createdAt = row.int64("created_at") ?? 0
        revokedAt = row.int64("revoked_at")
        customCodes = row.int("custom_codes") == 1
    }

    /// Creates a client; returns it with the secret, which is never retrievable again.
    /// The credentials' shape: Vonage's key and secret, or Twilio's account SID and auth token.
    public enum Style: Sendable { case vonage, twilio }

    public static func create(name: String, now: Int64, style: Style = .vonage, in db: DatabaseConnection) throws -> (ApiClient, secret: String) {
        // Keys are 16 hex characters, secrets 64: both survive any form or URL encoding untouched.
        // Twilio's: `AC` + 32 hex and a 32-hex token (128 random bits, still only a SHA-256 kept).
        let key = style == .twilio ? "AC" + Hex.encode(SecureRandom.bytes(16)) : Hex.encode(SecureRandom.bytes(8))
        let secret = Hex.encode(SecureRandom.bytes(style == .twilio ? 16 : 32))
        let id = try db.insert("INSERT INTO api_clients (name, api_key, secret_digest, created_at) VALUES (?, ?, ?, ?)",
                       [.text(name), .text(key), .blob(Digest.sha256(secret)), .integer(now)])
        return (ApiClient(id: id, name: name, apiKey: key, createdAt: now, revokedAt: nil), secret)
    }

    public static func all(in db: DatabaseConnection) throws -> [ApiClient] {
        try db.query("SELECT id, name, api_key, created_at, revoked_at, custom_codes FROM api_clients ORDER BY id").map(ApiClient.init)
    }

    /// Allows or forbids the active key's custom codes; false when there is no such key.
    public static func setCustomCodes(_ allowed: Bool, apiKey: String, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE api_clients SET custom_codes = ? WHERE api_key = ? AND revoked_at IS NULL",
                       [.integer(allowed ? 1 : 0), .text(apiKey)])
        return db.changes == 1
    }

    /// Revokes the key; false when there is no such (unrevoked) key.
    public static func revoke(apiKey: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE api_clients SET revoked_at = ? WHERE api_key = ? AND revoked_at IS NULL",
                       [.integer(now), .text(apiKey)])
        return db.changes == 1
    }

    /// A client's row with its secret's digest: all that checking a secret needs.
    struct Credentials: Sendable {
        let client: ApiClient
        let secretDigest: [UInt8]

        /// The client if `secret` is its secret and it is not revoked, else nil. The digest
        /// comparison is in constant time; no credentials (an unknown key) cost the same hash,
        /// so both failures look alike.
        static func authenticate(_ stored: Credentials?, secret: String) -> ApiClient? {
            let matches = ConstantTime.equals(Digest.sha256(secret), stored?.secretDigest ?? [UInt8](repeating: 0, count: 32))
            guard let stored, matches, !stored.client.isRevoked else { return nil }
            return stored.client
        }
    }

    /// The row of the client with this key, revoked or not; nil when there is none.
    static func credentials(apiKey: String, in db: DatabaseConnection) throws -> Credentials? {
        guard let row = try db.queryOne("""
            SELECT id, name, api_key, created_at, revoked_at, custom_codes, secret_digest FROM api_clients WHERE api_key = ?
            """, [.text(apiKey)]) else { return nil }
        return Credentials(client: ApiClient(row: row), secretDigest: row.blob("secret_digest") ?? [])
    }

    init(id: Int64, name: String, apiKey: String, createdAt: Int64, revokedAt: Int64?) {
        self.id = id; self.name = name; self.apiKey = apiKey; self.createdAt = createdAt; self.revokedAt = revokedAt
    }
}
