import Database

/// One PIN sent to one number for one session. Only an HMAC of the PIN is stored.
public struct Verification: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, verified, failed, cancelled }

    public let id: Int64
    public let sessionID: Int64
    public let userID: Int64
    public let number: String
    public let channel: String
    public let pinDigest: [UInt8]
    public let status: Status
    public let attempts: Int
    public let sentAt: Int64
    public let expiresAt: Int64

    public func isExpired(now: Int64) -> Bool { now >= expiresAt }

    static let columns = "id, session_id, user_id, number, channel, pin_digest, status, attempts, sent_at, expires_at"

    init(row: Row) {
        id = row.int64("id") ?? 0
        sessionID = row.int64("session_id") ?? 0
        userID = row.int64("user_id") ?? 0
        number = row.string("number") ?? ""
        channel = row.string("channel") ?? "sms"
        pinDigest = row.blob("pin_digest") ?? []
        status = Status(rawValue: row.string("status") ?? "") ?? .failed
        attempts = row.int("attempts") ?? 0
        sentAt = row.int64("sent_at") ?? 0
        expiresAt = row.int64("expires_at") ?? 0
    }

    /// The session's most recent verification, whatever its state.
    public static func latest(sessionID: Int64, in db: DatabaseConnection) throws -> Verification? {
        try db.queryOne("SELECT \(columns) FROM verifications WHERE session_id = ? ORDER BY id DESC LIMIT 1",
                        [.integer(sessionID)]).map(Verification.init)
    }

    /// Records a new PIN, cancelling any earlier one of the session: only the newest code works.
    public static func create(sessionID: Int64, userID: Int64, number: String, pinDigest: [UInt8],
                              now: Int64, lifetime: Int, in db: DatabaseConnection) throws -> Verification {
        try db.execute("UPDATE verifications SET status = 'cancelled' WHERE session_id = ? AND status = 'pending'",
                       [.integer(sessionID)])
        try db.execute("""
            INSERT INTO verifications (session_id, user_id, number, channel, pin_digest, status, attempts, sent_at, expires_at)
            VALUES (?, ?, ?, 'sms', ?, 'pending', 0, ?, ?)
            """, [.integer(sessionID), .integer(userID), .text(number), .blob(pinDigest), .integer(now),
                  .integer(now + Int64(lifetime))])
        guard let created = try db.queryOne("SELECT \(columns) FROM verifications WHERE id = ?",
                                            [.integer(db.lastInsertRowID)]) else {
            throw DatabaseError.constraint(message: "verification vanished after insert")
        }
        return Verification(row: created)
    }

    /// Counts a wrong code; the verification fails when `maxAttempts` is reached.
    public func recordingWrongAttempt(maxAttempts: Int, in db: DatabaseConnection) throws -> Verification {
        let attempts = self.attempts + 1
        let status: Status = attempts >= maxAttempts ? .failed : .pending
        try db.execute("UPDATE verifications SET attempts = ?, status = ? WHERE id = ?",
                       [.integer(Int64(attempts)), .text(status.rawValue), .integer(id)])
        return with(status: status, attempts: attempts)
    }

    /// A correct code: single use, so the row leaves `pending` for good.
    public func markVerified(now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE verifications SET status = 'verified', verified_at = ? WHERE id = ?",
                       [.integer(now), .integer(id)])
    }

    public static func delete(id: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM verifications WHERE id = ?", [.integer(id)])
    }

    private func with(status: Status, attempts: Int) -> Verification {
        Verification(id: id, sessionID: sessionID, userID: userID, number: number, channel: channel, pinDigest: pinDigest,
                     status: status, attempts: attempts, sentAt: sentAt, expiresAt: expiresAt)
    }

    init(id: Int64, sessionID: Int64, userID: Int64, number: String, channel: String, pinDigest: [UInt8],
         status: Status, attempts: Int, sentAt: Int64, expiresAt: Int64) {
        self.id = id; self.sessionID = sessionID; self.userID = userID; self.number = number; self.channel = channel
        self.pinDigest = pinDigest; self.status = status; self.attempts = attempts; self.sentAt = sentAt
        self.expiresAt = expiresAt
    }
}
