import Database

extension User {
    /// The account whose number is `number` (E.164), for passwordless login.
    public static func find(number: String, in db: DatabaseConnection) throws -> User? {
        try db.queryOne("SELECT \(columns) FROM users WHERE number = ?", [.text(number)]).map(User.init)
    }
}
