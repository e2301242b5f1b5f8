import Database

extension User {
    /// The account whose number is `number` (E.164) **and was proven by a PIN**, for
    /// passwordless login: a number no PIN ever proved is nobody's. Only verified numbers are
    /// unique (migration 0040), so this is at most one account.
    public static func find(number: String, in db: DatabaseConnection) throws -> User? {
        try db.queryOne("SELECT \(columns) FROM users WHERE number = ? AND number_verified_at IS NOT NULL",
                        [.text(number)]).map(User.init)
    }

    /// Whether an account has proven `number` with a PIN.
    public static func hasVerified(number: String, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS found FROM users WHERE number = ? AND number_verified_at IS NOT NULL",
                        [.text(number)]) != nil
    }

    /// Whether another account has proven `user`'s number: then no code ever goes to it for
    /// `user` (an unfinished sign-up, or its later logins), which therefore can never finish.
    static func numberIsAnothers(_ user: User, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS found FROM users WHERE number = ? AND id != ? AND number_verified_at IS NOT NULL",
                        [.text(user.number), .integer(user.id)]) != nil
    }
}
