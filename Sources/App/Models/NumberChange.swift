import Database

/// A phone-number change waiting for the PIN sent to the new number (`number_changes`).
/// The account keeps its old number until `apply` runs, after the PIN was right.
public struct NumberChange: Sendable, Equatable {
    public let id: Int64
    public let sessionID: Int64
    public let userID: Int64
    public let newNumber: String
    public let verifyRequestID: String?
    public let createdAt: Int64

    static let columns = "id, session_id, user_id, new_number, verify_request_id, created_at"

    init(row: Row) {
        id = row.int64("id") ?? 0
        sessionID = row.int64("session_id") ?? 0
        userID = row.int64("user_id") ?? 0
        newNumber = row.string("new_number") ?? ""
        verifyRequestID = row.string("verify_request_id")
        createdAt = row.int64("created_at") ?? 0
    }

    /// The pending change of this session, if any.
    public static func find(sessionID: Int64, in db: DatabaseConnection) throws -> NumberChange? {
        try db.queryOne("SELECT \(columns) FROM number_changes WHERE session_id = ?", [.integer(sessionID)]).map(NumberChange.init)
    }

    /// The user whose change is verified by `verifyRequestID` (the scheduler's audit).
    static func userID(verifyRequestID: String, in db: DatabaseConnection) throws -> Int64? {
        try db.queryOne("SELECT user_id FROM number_changes WHERE verify_request_id = ?", [.text(verifyRequestID)])?.int64("user_id")
    }

    /// Starts (or replaces) the session's pending change; returns its row id. Everything
    /// after this names the change by that id, never by the session: a second change from the
    /// same session replaces the row, and the first one's code must not land on the second.
    public static func begin(sessionID: Int64, userID: Int64, newNumber: String, now: Int64,
                             in db: DatabaseConnection) throws -> Int64 {
        try db.execute("DELETE FROM number_changes WHERE session_id = ?", [.integer(sessionID)])
        return try db.insert("""
            INSERT INTO number_changes (session_id, user_id, new_number, created_at) VALUES (?, ?, ?, ?)
            """, [.integer(sessionID), .integer(userID), .text(newNumber), .integer(now)])
    }

    /// Ties change `id` to the request whose code went to its number. False when the change
    /// is gone (replaced by a newer one while the code was on its way) or already tied.
    public static func link(id: Int64, verifyRequestID: String, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE number_changes SET verify_request_id = ? WHERE id = ? AND verify_request_id IS NULL",
                       [.text(verifyRequestID), .integer(id)])
        return db.changes == 1
    }

    public static func discard(id: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM number_changes WHERE id = ?", [.integer(id)])
    }

    public enum ApplyFailure: Error { case numberTaken, superseded }

    /// The PIN was right: the new number replaces the old one (already verified, by that
    /// PIN) and the pending row goes. Only while this very change, with this very request, is
    /// still the pending one; the unique index decides a race for the number.
    public func apply(now: Int64, in db: DatabaseConnection) throws {
        guard let verifyRequestID else { throw ApplyFailure.superseded }
        try db.execute("DELETE FROM number_changes WHERE id = ? AND verify_request_id = ?",
                       [.integer(id), .text(verifyRequestID)])
        guard db.changes == 1 else { throw ApplyFailure.superseded }
        do {
            try db.execute("UPDATE users SET number = ?, number_verified_at = ?, updated_at = ? WHERE id = ?",
                           [.text(newNumber), .integer(now), .integer(now), .integer(userID)])
        } catch DatabaseError.uniqueViolation {
            throw ApplyFailure.numberTaken
        }
    }
}
