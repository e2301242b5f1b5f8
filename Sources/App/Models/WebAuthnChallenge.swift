import Database
import Security

/// A WebAuthn challenge we issued (`webauthn_challenges`): 32 bytes from the CSPRNG, valid for
/// `lifetime` seconds, for one purpose, in one browser (bound to its CSRF secret), and used at
/// most once: reading it deletes it, whatever the ceremony's outcome.
public enum WebAuthnChallenge {
    public enum Purpose: String, Sendable {
        case register, secondFactor = "second_factor", login
    }

    /// Five minutes: WebAuthn's recommended ceremony timeout range tops out there (§15.1).
    public static let lifetime: Int64 = 300

    /// The binding of a browser: SHA-256 of its CSRF secret, never the secret itself.
    public static func binding(csrfSecret: [UInt8]) -> String { Hex.encode(Digest.sha256(csrfSecret)) }

    /// A live challenge, and for a registration the user handle the browser was given.
    public struct Issued: Sendable {
        public let challenge: [UInt8]
        public let userHandle: String?
    }

    /// A new challenge, replacing any live one of the same purpose in this browser.
    public static func issue(_ purpose: Purpose, binding: String, userHandle: String? = nil, now: Int64,
                             in db: DatabaseConnection) throws -> [UInt8] {
        let challenge = SecureRandom.bytes(32)
        try db.execute("DELETE FROM webauthn_challenges WHERE expires_at <= ?", [.integer(now)])
        try db.execute("DELETE FROM webauthn_challenges WHERE binding = ? AND purpose = ?", [.text(binding), .text(purpose.rawValue)])
        try db.execute("INSERT INTO webauthn_challenges (binding, purpose, challenge, user_handle, expires_at) VALUES (?, ?, ?, ?, ?)",
                       [.text(binding), .text(purpose.rawValue), .blob(challenge), userHandle.map(SQLValue.text) ?? .null,
                        .integer(now + lifetime)])
        return challenge
    }

    /// The live challenge of this purpose in this browser, deleted as it is read; nil when there
    /// is none (never issued, expired or already used).
    public static func consume(_ purpose: Purpose, binding: String, now: Int64, in db: DatabaseConnection) throws -> Issued? {
        let row = try db.queryOne("SELECT challenge, user_handle, expires_at FROM webauthn_challenges WHERE binding = ? AND purpose = ?",
                                  [.text(binding), .text(purpose.rawValue)])
        guard let row else { return nil }
        try db.execute("DELETE FROM webauthn_challenges WHERE binding = ? AND purpose = ?", [.text(binding), .text(purpose.rawValue)])
        // Two requests racing for one challenge: only the one whose DELETE removed the row wins.
        guard db.changes > 0, (row.int64("expires_at") ?? 0) > now, let challenge = row.blob("challenge") else { return nil }
        return Issued(challenge: challenge, userHandle: row.string("user_handle"))
    }
}
