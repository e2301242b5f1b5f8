import Database

extension User {
    /// The account whose number is `number` (E.164), for passwordless login.
    public static func find(number: String, in db: DatabaseConnection) throws -> User? {
        try db.queryOne("SELECT \(columns) FROM users WHERE number = ?", [.text(number)]).map(User.init)
    }

    /// False for an account made by passwordless sign-up that has not chosen a password yet.
    public static func hasPassword(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT has_password FROM users WHERE id = ?", [.integer(userID)])?.int("has_password") != 0
    }

    public static func setHasPassword(_ value: Bool, userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET has_password = ? WHERE id = ?", [.integer(value ? 1 : 0), .integer(userID)])
    }
}
