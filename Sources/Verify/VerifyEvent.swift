import Database
import Security

/// One delivery attempt of a Verify request: an SMS, a voice call (TTS) or an e-mail.
public struct VerifyEvent: Sendable, Equatable {
    /// `email`: the request's `number` is then an e-mail address (see `Workflow.email`).
    public enum Kind: String, Sendable { case sms, tts, email }
    /// claimed (recorded before sending) → sent | failed. A row still `claimed` after a
    /// crash is an event that was lost, never one that will be repeated.
    /// `withheld`: the stand-in for a code the web app withholds (a sign-up or number change to a
    /// number another account has proven): delivered nowhere, but counted by the send limits
    /// like a sent one, so they answer that number exactly as any other.
    public enum Status: String, Sendable { case claimed, sent, failed, withheld }

    public let id: Int64
    public let eventID: String
    public let requestPK: Int64
    public let kind: Kind
    public let status: Status
    public let createdAt: Int64

    static let columns = "id, event_id, request_pk, type, status, created_at"

    init(row: Row) {
        id = row.int64("id") ?? 0
        eventID = row.string("event_id") ?? ""
        requestPK = row.int64("request_pk") ?? 0
        kind = Kind(rawValue: row.string("type") ?? "") ?? .sms
        status = Status(rawValue: row.string("status") ?? "") ?? .failed
        createdAt = row.int64("created_at") ?? 0
    }

    /// Event ids look like Vonage's: 16 hex characters.
    static func newEventID() -> String { Hex.encode(SecureRandom.bytes(8)).uppercased() }

    /// Records an event of the request named `requestID` as `claimed`, before it is sent;
    /// `.sent` for one sent elsewhere (Vonage).
    static func claim(requestID: String, kind: Kind, number: String, ip: String, now: Int64,
                      status: Status = .claimed, in db: DatabaseConnection) throws -> VerifyEvent {
        guard let row = try db.queryOne(claimStatement(requestID: requestID, kind: kind, number: number, ip: ip, now: now,
                                                       status: status)) else {
            throw DatabaseError.constraint(message: "INSERT returned no row")
        }
        return VerifyEvent(row: row)
    }

    /// `claim` as a statement; it names the request by `request_id`, so it can be sent
    /// together with the INSERT of that request. Its row is the event. The event takes its
    /// request's purpose, by which the per-number send allowance counts (SendThrottle).
    static func claimStatement(requestID: String, kind: Kind, number: String, ip: String, now: Int64,
                               status: Status = .claimed) -> SQLStatement {
        ("""
         INSERT INTO verify_events (event_id, request_pk, type, status, number, ip, created_at, purpose)
         VALUES (?, (SELECT id FROM verify_requests WHERE request_id = ?), ?, ?, ?, ?, ?,
                 (SELECT purpose FROM verify_requests WHERE request_id = ?))
         RETURNING \(columns)
         """, [.text(newEventID()), .text(requestID), .text(kind.rawValue), .text(status.rawValue), .text(number),
               .text(ip), .integer(now), .text(requestID)])
    }

    /// One update by key, safe beside any other writer: no cluster-wide lock needed. Written
    /// behind (nobody waits for its commit): a crash that loses it leaves the event `claimed`,
    /// exactly as a crash just before it would have, and the claim already made it at most once.
    static func mark(id: Int64, _ status: Status, in database: Database) throws {
        try database.writeBehind("UPDATE verify_events SET status = ? WHERE id = ?", [.text(status.rawValue), .integer(id)])
    }

    static func all(requestPK: Int64, in db: DatabaseConnection) throws -> [VerifyEvent] {
        try db.query("SELECT \(columns) FROM verify_events WHERE request_pk = ? ORDER BY id", [.integer(requestPK)])
            .map(VerifyEvent.init)
    }

    /// The newest event of the request named `requestID` (what a check names in its answer):
    /// one row by the (request_pk, id) index, where `all` reads and decodes every event.
    static func latest(requestID: String, in db: DatabaseConnection) throws -> VerifyEvent? {
        try db.queryOne(latestStatement(requestID: requestID)).map(VerifyEvent.init)
    }

    /// `latest` as a statement: it names the request by `request_id`, so it needs no primary
    /// key first and travels with the request's own `VerifyRequest.findStatement`.
    static func latestStatement(requestID: String) -> SQLStatement {
        (latestSQL, [.text(requestID)])
    }

    private static let latestSQL = """
        SELECT \(columns) FROM verify_events
        WHERE request_pk = (SELECT id FROM verify_requests WHERE request_id = ?) ORDER BY id DESC LIMIT 1
        """

    init(id: Int64, eventID: String, requestPK: Int64, kind: Kind, status: Status, createdAt: Int64) {
        self.id = id; self.eventID = eventID; self.requestPK = requestPK; self.kind = kind
        self.status = status; self.createdAt = createdAt
    }
}
