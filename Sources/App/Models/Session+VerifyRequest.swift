import Database

/// The web app's PIN step runs on the Verify engine: each half-logged-in session points
/// at its current Verify request (`sessions.verify_request_id`).
extension Session {
    public static func verifyRequestID(sessionID: Int64, in db: DatabaseConnection) throws -> String? {
        try db.queryOne("SELECT verify_request_id FROM sessions WHERE id = ?", [.integer(sessionID)])?.string("verify_request_id")
    }

    public static func link(sessionID: Int64, verifyRequestID: String, in db: DatabaseConnection) throws {
        try db.execute("UPDATE sessions SET verify_request_id = ? WHERE id = ?", [.text(verifyRequestID), .integer(sessionID)])
    }
}
