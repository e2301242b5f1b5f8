import Database
import Security

/// A passwordless login waiting for its code (`passwordless_logins`), named by a random
/// token in the browser's cookie. `verifyRequestID` is nil when no code went out (unknown
/// number with sign-up off, or a throttled send): nothing on the page tells the cases apart.
public struct PasswordlessLogin: Sendable, Equatable, UntoldCodeAttempt {
    public let id: Int64
    public let number: String
    public let verifyRequestID: String?
    public let wrongChecks: Int
    public let createdAt: Int64

    static let columns = "id, number, verify_request_id, wrong_checks, created_at"
    /// Rows older than this are deleted when a new one is made.
    static let retention: Int64 = 86_400

    init(row: Row) {
        id = row.int64("id") ?? 0
        number = row.string("number") ?? ""
        verifyRequestID = row.string("verify_request_id")
        wrongChecks = row.int("wrong_checks") ?? 0
        createdAt = row.int64("created_at") ?? 0
    }

    static func digest(of token: String) -> String { Hex.encode(Digest.sha256(token)) }

    /// Records a new attempt asked for from `ip` (counted by `UntoldRequestLimit`) and returns the token for the cookie.
    public static func create(number: String, verifyRequestID: String?, ip: String, now: Int64,
                              in db: DatabaseConnection) throws -> String {
        try db.execute("DELETE FROM passwordless_logins WHERE created_at < ?", [.integer(now - retention)])
        let token = SecureRandom.token(byteCount: 32)
        try db.execute("""
            INSERT INTO passwordless_logins (token_digest, number, verify_request_id, ip, created_at) VALUES (?, ?, ?, ?, ?)
            """, [.text(digest(of: token)), .text(number), verifyRequestID.map(SQLValue.text) ?? .null, .text(ip), .integer(now)])
        return token
    }

    /// Ties the login named by `token` to the request whose code went out for it (the code is
    /// sent after the page has answered, see PasswordlessController.create).
    static func link(token: String, verifyRequestID: String, in db: DatabaseConnection) throws {
        try db.execute("UPDATE passwordless_logins SET verify_request_id = ? WHERE token_digest = ?",
                       [.text(verifyRequestID), .text(digest(of: token))])
    }

    public static func find(token: String, in db: DatabaseConnection) throws -> PasswordlessLogin? {
        try db.queryOne("SELECT \(columns) FROM passwordless_logins WHERE token_digest = ?", [.text(digest(of: token))])
            .map(PasswordlessLogin.init)
    }

    /// The number a request was sent to by this flow (the scheduler's audit).
    static func number(verifyRequestID: String, in db: DatabaseConnection) throws -> String? {
        try db.queryOne("SELECT number FROM passwordless_logins WHERE verify_request_id = ?",
                        [.text(verifyRequestID)])?.string("number")
    }

    public func recordWrongCheck(in db: DatabaseConnection) throws {
        try db.execute("UPDATE passwordless_logins SET wrong_checks = wrong_checks + 1 WHERE id = ?", [.integer(id)])
    }

    public func delete(in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM passwordless_logins WHERE id = ?", [.integer(id)])
    }
}
