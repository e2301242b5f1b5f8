import Database
import Foundation
import Security

/// One callback on its way to an API client (table `webhook_deliveries`, see its migration for
/// the life of a row). Every change is one conditional statement, safe beside other instances.
struct WebhookDelivery: Equatable {
    let id: Int64
    let apiKey: String
    let url: String
    let body: String
    let jti: String
    let attempts: Int
    let giveUpAt: Int64

    /// How long a claim holds a row before another instance may try it: longer than one attempt.
    static let lease: Int64 = 120
    /// Pause after failed attempt `n`: 2, 4, 8 … seconds, at most an hour.
    static func backoff(afterAttempt n: Int) -> Int64 { min(3_600, Int64(1) << Int64(min(max(n, 1), 12))) }

    init(row: Row) {
        id = row.int64("id") ?? 0
        apiKey = row.string("api_key") ?? ""
        url = row.string("url") ?? ""
        body = row.string("body") ?? ""
        jti = row.string("jti") ?? ""
        attempts = row.int("attempts") ?? 0
        giveUpAt = row.int64("give_up_at") ?? 0
    }

    /// Whether any live API key has a callback URL (else a sweep has nothing to look for).
    static func anyCallbackURL(in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT 1 AS one FROM api_clients WHERE callback_url IS NOT NULL AND revoked_at IS NULL LIMIT 1") != nil
    }

    /// Ended requests of clients with a callback URL, ended since `since`, that have no delivery
    /// yet (at most `limit`, oldest first), with what their callbacks need.
    static func unqueued(since: Int64, limit: Int, in db: DatabaseConnection) throws -> [Row] {
        try db.query("""
            SELECT \(VerifyCallback.columns) FROM verify_requests r
            JOIN api_clients c ON c.api_key = r.account_id
            LEFT JOIN verify_client_refs cr ON cr.request_pk = r.id
            WHERE r.status <> 'IN PROGRESS' AND r.finalized_at >= ? AND r.status <> 'CANCELLED'
              AND c.callback_url IS NOT NULL AND c.revoked_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.request_pk = r.id)
            ORDER BY r.finalized_at LIMIT ?
            """, [.integer(since), .integer(Int64(limit))])
    }

    /// Queues a callback; a second instance's sweep of the same request changes nothing.
    static func enqueue(_ callback: VerifyCallback, url: String, now: Int64, giveUpAt: Int64, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO webhook_deliveries (request_pk, kind, api_key, url, body, jti, created_at, give_up_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_pk, kind) DO NOTHING
            """, [.integer(callback.requestPK), .text(callback.kind), .text(callback.apiKey), .text(url), .text(callback.body),
                  .text(UUID().uuidString.lowercased()), .integer(now), .integer(giveUpAt), .integer(now)])
    }

    /// Claims up to `limit` due deliveries for `lease` seconds. The outer condition is checked
    /// again on each row as it is updated, so two instances never claim the same row at once.
    static func claimDue(now: Int64, limit: Int, in db: DatabaseConnection) throws -> [WebhookDelivery] {
        try db.query("""
            UPDATE webhook_deliveries SET next_attempt_at = ?, attempts = attempts + 1
            WHERE id IN (SELECT id FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
                         ORDER BY next_attempt_at LIMIT ?)
              AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?
            RETURNING id, api_key, url, body, jti, attempts, give_up_at
            """, [.integer(now + lease), .integer(now), .integer(Int64(limit)), .integer(now)]).map(WebhookDelivery.init)
    }

    /// Gives back a claimed delivery that was not tried (a shutdown): due at once, its claim uncounted.
    static func release(_ delivery: WebhookDelivery, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE webhook_deliveries SET next_attempt_at = ?, attempts = attempts - 1 WHERE id = ?",
                       [.integer(now), .integer(delivery.id)])
    }

    static func markDelivered(id: Int64, now: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE webhook_deliveries SET next_attempt_at = NULL, delivered_at = ?, last_error = NULL WHERE id = ?",
                       [.integer(now), .integer(id)])
    }

    /// Records a failed attempt: the next one after the backoff, or none past the give-up time.
    /// Returns whether it gave up.
    static func markFailed(_ delivery: WebhookDelivery, reason: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        let next = now + backoff(afterAttempt: delivery.attempts)
        let givesUp = next > delivery.giveUpAt
        try db.execute("UPDATE webhook_deliveries SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                       [givesUp ? .null : .integer(next), .text(String(reason.prefix(200))), .integer(delivery.id)])
        return givesUp
    }

    /// The `Authorization` value: a JWT signed HS256 with the client's signature secret, its
    /// claims as Vonage's signed webhooks carry them (`payload_hash` = SHA-256 of the body, hex).
    func authorization(secret: String, now: Int64) -> String {
        let claims = JSONValue.object([
            ("iat", .int(now)), ("jti", .string(jti)), ("iss", .string("Vonage")),
            ("payload_hash", .string(Hex.encode(Digest.sha256(Array(body.utf8))))), ("api_key", .string(apiKey)),
        ])
        return "Bearer " + JWT.hs256(claimsJSON: claims.serialized, key: Array(secret.utf8))
    }
}
