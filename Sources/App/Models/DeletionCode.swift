import Database

/// The code texted for an account deletion (`account_deletions`): which Verify request this
/// session's deletion waits on. One per session; a new code replaces the last.
enum DeletionCode {
    static func requestID(sessionID: Int64, in db: DatabaseConnection) throws -> String? {
        try db.queryOne("SELECT verify_request_id FROM account_deletions WHERE session_id = ?",
                        [.integer(sessionID)])?.string("verify_request_id")
    }

    /// The account whose deletion waits on `verifyRequestID` (the scheduler's audit of a follow-up call).
    static func userID(verifyRequestID: String, in db: DatabaseConnection) throws -> Int64? {
        try db.queryOne("SELECT user_id FROM account_deletions WHERE verify_request_id = ?",
                        [.text(verifyRequestID)])?.int64("user_id")
    }

    static func link(sessionID: Int64, userID: Int64, verifyRequestID: String, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO account_deletions (session_id, user_id, verify_request_id, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (session_id) DO UPDATE SET verify_request_id = excluded.verify_request_id, created_at = excluded.created_at
            """, [.integer(sessionID), .integer(userID), .text(verifyRequestID), .integer(now)])
    }
}
