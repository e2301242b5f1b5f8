import Database
import Security

/// An account: a username, a bcrypt password digest and a phone number in E.164.
public struct User: Sendable, Equatable {
    public let id: Int64
    public let username: String
    public let number: String
    public let passwordDigest: String
    public let numberVerifiedAt: Int64?
    public let createdAt: Int64

    static let columns = "id, username, number, password_digest, number_verified_at, created_at"

    init(row: Row) {
        id = row.int64("id") ?? 0
        username = row.string("username") ?? ""
        number = row.string("number") ?? ""
        passwordDigest = row.string("password_digest") ?? ""
        numberVerifiedAt = row.int64("number_verified_at")
        createdAt = row.int64("created_at") ?? 0
    }

    // MARK: Validations

    public static let usernameLength = 3...32
    public static let passwordBytes = 8...BCrypt.maximumPasswordBytes

    public static func validateUsername(_ username: String, into errors: inout ValidationErrors) {
        if username.isEmpty {
            errors.add("username", "Choose a username")
        } else if !usernameLength.contains(username.count) {
            errors.add("username", "A username is \(usernameLength.lowerBound) to \(usernameLength.upperBound) characters")
        } else if !username.unicodeScalars.allSatisfy(isUsernameCharacter) {
            errors.add("username", "Use only letters, digits, and _ . - in a username")
        }
    }

    /// NIST SP 800-63B length rules; bcrypt reads 72 bytes, so longer is refused, never cut.
    public static func validatePassword(_ password: String, confirmation: String, field: String = "password",
                                        into errors: inout ValidationErrors) {
        let bytes = password.utf8.count
        if bytes < passwordBytes.lowerBound {
            errors.add(field, "A password needs at least \(passwordBytes.lowerBound) characters")
        } else if bytes > passwordBytes.upperBound {
            errors.add(field, "A password can be at most \(passwordBytes.upperBound) bytes (\(bytes) given); it is never shortened silently")
        } else if password.utf8.contains(0) {
            errors.add(field, "A password can't contain a NUL character")
        } else if password != confirmation {
            errors.add(field + "_confirmation", "The two passwords don't match")
        }
    }

    private static func isUsernameCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": return true
        default: return false
        }
    }

    // MARK: Queries

    public static func find(id: Int64, in db: DatabaseConnection) throws -> User? {
        try db.queryOne("SELECT \(columns) FROM users WHERE id = ?", [.integer(id)]).map(User.init)
    }

    public static func find(username: String, in db: DatabaseConnection) throws -> User? {
        try db.queryOne("SELECT \(columns) FROM users WHERE lower(username) = lower(?)", [.text(username)]).map(User.init)
    }

    public static func exists(number: String, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS found FROM users WHERE number = ?", [.text(number)]) != nil
    }

    public enum CreateFailure: Error { case usernameTaken, numberTaken }

    /// Replaces `user`'s digest with `digest`, unless the password changed meanwhile.
    static func renewDigest(of user: User, with digest: String, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET password_digest = ? WHERE id = ? AND password_digest = ?",
                       [.text(digest), .integer(user.id), .text(user.passwordDigest)])
    }

    /// Inserts the account; the unique indexes decide races between simultaneous sign-ups.
    /// A number is unique only once verified (`numberVerifiedAt`, e.g. a passwordless sign-up
    /// whose code was just right): an unverified account may share it with others.
    public static func create(username: String, number: String, passwordDigest: String, now: Int64,
                              numberVerifiedAt: Int64? = nil, in db: DatabaseConnection) throws -> User {
        let id: Int64
        do {
            id = try db.insert("""
                INSERT INTO users (username, number, password_digest, number_verified_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [.text(username), .text(number), .text(passwordDigest), numberVerifiedAt.map(SQLValue.integer) ?? .null,
                      .integer(now), .integer(now)])
        } catch DatabaseError.uniqueViolation(let message) {
            throw message.contains("number") ? CreateFailure.numberTaken : CreateFailure.usernameTaken
        }
        return User(id: id, username: username, number: number, passwordDigest: passwordDigest,
                    numberVerifiedAt: numberVerifiedAt, createdAt: now)
    }

    public static func updatePassword(userID: Int64, digest: String, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET password_digest = ?, updated_at = ? WHERE id = ?",
                       [.text(digest), .integer(now), .integer(userID)])
    }

    /// Throws `CreateFailure.numberTaken` when another account has proven the number meanwhile
    /// (the partial unique index decides).
    public static func markNumberVerified(userID: Int64, now: Int64, in db: DatabaseConnection) throws {
        do {
            try db.execute("UPDATE users SET number_verified_at = COALESCE(number_verified_at, ?), updated_at = ? WHERE id = ?",
                           [.integer(now), .integer(now), .integer(userID)])
        } catch DatabaseError.uniqueViolation {
            throw CreateFailure.numberTaken
        }
    }

    init(id: Int64, username: String, number: String, passwordDigest: String, numberVerifiedAt: Int64?, createdAt: Int64) {
        self.id = id; self.username = username; self.number = number
        self.passwordDigest = passwordDigest; self.numberVerifiedAt = numberVerifiedAt; self.createdAt = createdAt
    }
}
