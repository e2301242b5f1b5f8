import Database

extension User {
    /// False for an account made by passwordless sign-up that has not chosen a password yet.
    public static func hasPassword(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT has_password FROM users WHERE id = ?", [.integer(userID)])?.int("has_password") != 0
    }

    public static func setHasPassword(_ value: Bool, userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET has_password = ? WHERE id = ?", [.integer(value ? 1 : 0), .integer(userID)])
    }
}
