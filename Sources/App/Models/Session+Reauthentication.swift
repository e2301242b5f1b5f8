import Database

extension Session {
    /// How long after giving the password again the data page shows the full number.
    static let reauthenticationWindow: Int64 = 300

    /// The session gave the password again (`sessions.reauthenticated_at`).
    static func markReauthenticated(id: Int64, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE sessions SET reauthenticated_at = ? WHERE id = ?", [.integer(now), .integer(id)])
    }

    /// Whether the session gave the password within `reauthenticationWindow`.
    static func isRecentlyReauthenticated(id: Int64, now: Int64, in db: DatabaseConnection) throws -> Bool {
        guard let at = try db.queryOne("SELECT reauthenticated_at FROM sessions WHERE id = ?",
                                       [.integer(id)])?.int64("reauthenticated_at") else { return false }
        return at <= now && now - at <= reauthenticationWindow
    }
}
