import Database

/// The local record of a request that Vonage's hosted Verify runs (VERIFY_ENGINE=vonage).
/// Same table as the built-in engine's requests, but `pin_digest` stays NULL (Vonage holds
/// the PIN; it never reaches our database) and so does `next_event_at`, so the built-in
/// scheduler could never fire an event for one of these even if the engine were switched back.
extension VerifyRequest {
    /// Records that event `index` went out at `at` (asked for by us, or fired by Vonage's
    /// own schedule). Conditional on the row still being at `index`, like `claimEvent`.
    static func recordDelegatedEvent(pk: Int64, index: Int, pinExpiresAt: Int64, at: Int64,
                                     in db: DatabaseConnection) throws -> Bool {
        try db.execute("""
            UPDATE verify_requests SET event_index = event_index + 1, pin_expires_at = ?,
                first_event_at = COALESCE(first_event_at, ?), last_event_at = ?
            WHERE id = ? AND status = ? AND event_index = ?
            """, [.integer(pinExpiresAt), .integer(at), .integer(at), .integer(pk), .text(Status.inProgress.rawValue),
                  .integer(Int64(index))])
        return db.changes == 1
    }

    /// Vonage said "too many wrong codes" (status 17): the count is at least `limit`.
    static func recordTooManyWrongChecks(pk: Int64, limit: Int, in db: DatabaseConnection) throws {
        // CASE, not SQLite's two-argument MAX (PostgreSQL's is GREATEST): one text for both engines.
        try db.execute("""
            UPDATE verify_requests SET wrong_checks = CASE WHEN wrong_checks + 1 > ? THEN wrong_checks + 1 ELSE ? END
            WHERE id = ?
            """, [.integer(Int64(limit)), .integer(Int64(limit)), .integer(pk)])
    }

    /// When Vonage's workflow fires the next event by itself: the previous one plus
    /// `next_event_wait`. Nil when no event is left.
    var delegatedNextEventAt: Int64? {
        guard status == .inProgress, nextEventKind != nil, let last = lastEventAt else { return nil }
        return last + Int64(nextEventWait)
    }
}

extension VerifyRequest {
    /// A start Vonage did not take: kept as FAILED under an id of ours (Vonage never saw
    /// it), so the web page can say "We couldn't send your code" and search can show it.
    /// Inserted as FAILED directly: the number may still have a live request at Vonage.
    static func insertFailedDelegated(_ start: VerifyStart, requestID: String, accountID: String, ip: String, now: Int64,
                                      in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO verify_requests (request_id, account_id, number, brand, sender_id, code_length, pin_expiry,
                next_event_wait, workflow_id, status, client_ip, created_at, finalized_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'FAILED', ?, ?, ?)
            """, [.text(requestID), .text(accountID), .text(start.number), .text(start.brand), .text(start.senderID),
                  .integer(Int64(start.codeLength)), .integer(Int64(start.pinExpiry)), .integer(Int64(start.nextEventWait)),
                  .integer(Int64(start.workflow.id)), .text(ip), .integer(now), .integer(now)])
    }
}
