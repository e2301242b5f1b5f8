import Database

/// An account's verified e-mail address (`user_emails`), and whether the owner wants it offered
/// at login as a fallback second factor (`fallback`). Only a right code sent to the address
/// writes a row (`EmailChange.apply`).
public struct UserEmail: Sendable, Equatable {
    public let userID: Int64
    public let address: String
    public let verifiedAt: Int64
    public let fallback: Bool

    init(row: Row) {
        userID = row.int64("user_id") ?? 0
        address = row.string("address") ?? ""
        verifiedAt = row.int64("verified_at") ?? 0
        fallback = (row.int("fallback") ?? 0) != 0
    }

    public static func find(userID: Int64, in db: DatabaseConnection) throws -> UserEmail? {
        try db.queryOne("SELECT user_id, address, verified_at, fallback FROM user_emails WHERE user_id = ?", [.integer(userID)])
            .map(UserEmail.init)
    }

    /// The address, when the owner has chosen it as a fallback second factor.
    public static func fallbackAddress(userID: Int64, in db: DatabaseConnection) throws -> String? {
        guard let email = try find(userID: userID, in: db), email.fallback else { return nil }
        return email.address
    }

    /// Turns the fallback on or off; false when the account has no address.
    static func setFallback(_ on: Bool, userID: Int64, now: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE user_emails SET fallback = ?, updated_at = ? WHERE user_id = ?",
                       [.integer(on ? 1 : 0), .integer(now), .integer(userID)])
        return db.changes == 1
    }

    static func remove(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM user_emails WHERE user_id = ?", [.integer(userID)])
    }
}

/// An address waiting for the code sent to it (`email_changes`), one per session, as
/// `NumberChange` is for numbers: the account's address changes only when that code is right.
public struct EmailChange: Sendable, Equatable {
    public let id: Int64
    public let sessionID: Int64
    public let userID: Int64
    public let address: String
    public let verifyRequestID: String?

    init(row: Row) {
        id = row.int64("id") ?? 0
        sessionID = row.int64("session_id") ?? 0
        userID = row.int64("user_id") ?? 0
        address = row.string("address") ?? ""
        verifyRequestID = row.string("verify_request_id")
    }

    static func find(sessionID: Int64, in db: DatabaseConnection) throws -> EmailChange? {
        try db.queryOne("SELECT id, session_id, user_id, address, verify_request_id FROM email_changes WHERE session_id = ?",
                        [.integer(sessionID)]).map(EmailChange.init)
    }

    /// The user whose address is being proven by `verifyRequestID` (the scheduler's audit).
    static func userID(verifyRequestID: String, in db: DatabaseConnection) throws -> Int64? {
        try db.queryOne("SELECT user_id FROM email_changes WHERE verify_request_id = ?", [.text(verifyRequestID)])?.int64("user_id")
    }

    /// Starts (or replaces) the session's pending address; returns its row id.
    static func begin(sessionID: Int64, userID: Int64, address: String, now: Int64, in db: DatabaseConnection) throws -> Int64 {
        try db.execute("DELETE FROM email_changes WHERE session_id = ?", [.integer(sessionID)])
        return try db.insert("INSERT INTO email_changes (session_id, user_id, address, created_at) VALUES (?, ?, ?, ?)",
                             [.integer(sessionID), .integer(userID), .text(address), .integer(now)])
    }

    /// Ties change `id` to the request whose code went to its address; false when a newer
    /// change replaced it meanwhile.
    static func link(id: Int64, verifyRequestID: String, in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE email_changes SET verify_request_id = ? WHERE id = ? AND verify_request_id IS NULL",
                       [.text(verifyRequestID), .integer(id)])
        return db.changes == 1
    }

    static func discard(id: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM email_changes WHERE id = ?", [.integer(id)])
    }

    /// The code was right: the address becomes the account's (verified now). A replaced address
    /// keeps the owner's fallback choice. False when this change is no longer the pending one.
    func apply(now: Int64, in db: DatabaseConnection) throws -> Bool {
        guard let verifyRequestID else { return false }
        try db.execute("DELETE FROM email_changes WHERE id = ? AND verify_request_id = ?", [.integer(id), .text(verifyRequestID)])
        guard db.changes == 1 else { return false }
        try db.execute("""
            INSERT INTO user_emails (user_id, address, verified_at, fallback, updated_at) VALUES (?, ?, ?, 0, ?)
            ON CONFLICT (user_id) DO UPDATE SET address = excluded.address, verified_at = excluded.verified_at,
                updated_at = excluded.updated_at
            """, [.integer(userID), .text(address), .integer(now), .integer(now)])
        return true
    }
}
