import Database
import Security

/// "Forgot your password?" in progress (`password_resets`), named by a random token in the
/// browser's cookie, so which account it is for and whether its code was proven live here,
/// never in a form field. `userID` is nil when the answer named no account with a verified
/// number (nothing was sent); `verifyRequestID` nil when no code went out. Single use: the
/// row goes when the new password is set, or when it is older than `retention`.
public struct PasswordReset: Sendable, Equatable, UntoldCodeAttempt {
    public let id: Int64
    public let userID: Int64?
    public let verifyRequestID: String?
    public let wrongChecks: Int
    public let codeProvenAt: Int64?
    public let createdAt: Int64

    static let columns = "id, user_id, verify_request_id, wrong_checks, code_proven_at, created_at"
    /// Rows older than this are removed by the pruner (RetentionPolicy).
    static let retention: Int64 = 86_400
    /// How long after a right code the new password may be chosen.
    public static let choosingWindow: Int64 = 600

    init(row: Row) {
        id = row.int64("id") ?? 0
        userID = row.int64("user_id")
        verifyRequestID = row.string("verify_request_id")
        wrongChecks = row.int("wrong_checks") ?? 0
        codeProvenAt = row.int64("code_proven_at")
        createdAt = row.int64("created_at") ?? 0
    }

    static func digest(of token: String) -> String { Hex.encode(Digest.sha256(token)) }

    /// Records a new reset asked for from `ip` (counted by `UntoldRequestLimit`) and returns the token for the cookie.
    public static func create(userID: Int64?, ip: String, now: Int64, in db: DatabaseConnection) throws -> String {
        let token = SecureRandom.token(byteCount: 32)
        try db.execute("INSERT INTO password_resets (token_digest, user_id, ip, created_at) VALUES (?, ?, ?, ?)",
                       [.text(digest(of: token)), userID.map(SQLValue.integer) ?? .null, .text(ip), .integer(now)])
        return token
    }

    /// Ties the reset named by `token` to the request whose code went out for it (sent after
    /// the page has answered, see PasswordResetsController.create).
    static func link(token: String, verifyRequestID: String, in db: DatabaseConnection) throws {
        try db.execute("UPDATE password_resets SET verify_request_id = ? WHERE token_digest = ?",
                       [.text(verifyRequestID), .text(digest(of: token))])
    }

    public static func find(token: String, in db: DatabaseConnection) throws -> PasswordReset? {
        try db.queryOne("SELECT \(columns) FROM password_resets WHERE token_digest = ?", [.text(digest(of: token))])
            .map(PasswordReset.init)
    }

    /// The account a request was sent to by this flow (the scheduler's audit of a voice call).
    static func userID(verifyRequestID: String, in db: DatabaseConnection) throws -> Int64? {
        try db.queryOne("SELECT user_id FROM password_resets WHERE verify_request_id = ?",
                        [.text(verifyRequestID)])?.int64("user_id")
    }

    public func recordWrongCheck(in db: DatabaseConnection) throws {
        try db.execute("UPDATE password_resets SET wrong_checks = wrong_checks + 1 WHERE id = ?", [.integer(id)])
    }

    /// The texted code was right: the new password may be chosen for `choosingWindow`.
    public func markCodeProven(now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE password_resets SET code_proven_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    /// Whether the code was proven recently enough to choose the password now.
    public func mayChoosePassword(now: Int64) -> Bool {
        guard let provenAt = codeProvenAt, userID != nil else { return false }
        return now - provenAt <= Self.choosingWindow
    }

    /// Ends this reset; false when another request already did (it is single use).
    @discardableResult
    public func delete(in db: DatabaseConnection) throws -> Bool {
        try db.execute("DELETE FROM password_resets WHERE id = ?", [.integer(id)])
        return db.changes > 0
    }

    /// What names the reset's authenticator-app or recovery-code tries in `SecondFactorRegulation`
    /// (as a half-logged-in session's key names its tries): unguessable, and not the row's key.
    static func secondFactorKey(token: String) -> String { Hex.encode(Digest.sha256("second factor of reset " + token)) }
}
