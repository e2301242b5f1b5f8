import Database

/// The Sessions page: a user's live sessions with where they came from.
public struct ActiveSession: Sendable, Equatable {
    public let id: Int64
    public let ip: String
    public let userAgent: String
    public let verified: Bool
    public let createdAt: Int64
    public let lastSeenAt: Int64
    /// The passkey this session was signed in with (issue 17), if one was used.
    public var passkeyName: String? = nil
}

extension Session {
    /// The user's sessions that have not timed out, most recently seen first.
    public static func active(userID: Int64, now: Int64, idleTimeout: Int, lifetime: Int,
                              in db: DatabaseConnection) throws -> [ActiveSession] {
        try db.query("""
            SELECT id, ip, user_agent, verified_at, created_at, last_seen_at, passkey_name FROM sessions
            WHERE user_id = ? AND last_seen_at >= ? AND created_at >= ?
            ORDER BY last_seen_at DESC, id DESC
            """, [.integer(userID), .integer(now - Int64(idleTimeout)), .integer(now - Int64(lifetime))]).map { row in
            ActiveSession(id: row.int64("id") ?? 0, ip: row.string("ip") ?? "", userAgent: row.string("user_agent") ?? "",
                          verified: row.int64("verified_at") != nil, createdAt: row.int64("created_at") ?? 0,
                          lastSeenAt: row.int64("last_seen_at") ?? 0, passkeyName: row.string("passkey_name"))
        }
    }

    /// Ends one session of the user; false when it is not theirs (or already gone).
    public static func destroy(id: Int64, userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("DELETE FROM sessions WHERE id = ? AND user_id = ?", [.integer(id), .integer(userID)])
        return db.changes > 0
    }
}
