import Foundation
import Database
import Security

/// A Verify request: a PIN going to one number through a workflow of events.
/// Its scheduler state (`eventIndex`, `nextEventAt`) lives in the row, so a restart
/// continues where the last process stopped.
public struct VerifyRequest: Sendable, Equatable {
    public enum Status: String, Sendable {
        case inProgress = "IN PROGRESS", success = "SUCCESS", failed = "FAILED", expired = "EXPIRED", cancelled = "CANCELLED"
    }

    public let pk: Int64
    public let requestID: String
    public let accountID: String
    public let number: String
    public let brand: String
    public let senderID: String
    public let codeLength: Int
    public let pinExpiry: Int
    public let nextEventWait: Int
    public let workflowID: Int
    public let pinDigest: [UInt8]?
    public let pinExpiresAt: Int64?
    public let status: Status
    public let wrongChecks: Int
    /// Events already claimed; the next one is `workflow.event(at: eventIndex)`.
    public let eventIndex: Int
    public let nextEventAt: Int64?
    public let clientIP: String
    public let createdAt: Int64
    public let finalizedAt: Int64?
    public let firstEventAt: Int64?
    public let lastEventAt: Int64?
    /// The web flow it serves (VerifyStart.purpose); "" for the API.
    public let purpose: String
    public let language: VerifyLanguage
    /// A PSD2 request's payment (`payee`, `amount`); nil otherwise.
    public let payment: VerifyStart.Payment?
    /// A custom code, sealed (BuiltinVerifyEngine.sealCustomCode); nil for the engine's own codes.
    let sealedCustomCode: [UInt8]?
    public var hasCustomCode: Bool { sealedCustomCode != nil }
    /// Filled by `search` only.
    public var events: [VerifyEvent] = []
    public var checks: [VerifyCheck] = []

    public var workflow: Workflow { Workflow(id: workflowID) ?? Workflow(id: 1)! }
    public var nextEventKind: VerifyEvent.Kind? { workflow.event(at: eventIndex) }
    /// The kind of the newest event (what the user was last sent), if any.
    public var lastEventKind: VerifyEvent.Kind? { workflow.event(at: eventIndex - 1) }

    static let columns = """
        id, request_id, account_id, number, brand, sender_id, code_length, pin_expiry, next_event_wait, workflow_id,
        pin_digest, pin_expires_at, status, wrong_checks, event_index, next_event_at, client_ip, created_at,
        finalized_at, first_event_at, last_event_at, purpose, language, payee, amount, custom_code
        """

    init(row: Row) {
        pk = row.int64("id") ?? 0
        requestID = row.string("request_id") ?? ""
        accountID = row.string("account_id") ?? ""
        number = row.string("number") ?? ""
        brand = row.string("brand") ?? ""
        senderID = row.string("sender_id") ?? "verify"
        codeLength = row.int("code_length") ?? 6
        pinExpiry = row.int("pin_expiry") ?? 300
        nextEventWait = row.int("next_event_wait") ?? 300
        workflowID = row.int("workflow_id") ?? 1
        pinDigest = row.blob("pin_digest")
        pinExpiresAt = row.int64("pin_expires_at")
        status = Status(rawValue: row.string("status") ?? "") ?? .failed
        wrongChecks = row.int("wrong_checks") ?? 0
        eventIndex = row.int("event_index") ?? 0
        nextEventAt = row.int64("next_event_at")
        clientIP = row.string("client_ip") ?? ""
        createdAt = row.int64("created_at") ?? 0
        finalizedAt = row.int64("finalized_at")
        firstEventAt = row.int64("first_event_at")
        lastEventAt = row.int64("last_event_at")
        purpose = row.string("purpose") ?? ""
        language = VerifyLanguage(rawValue: row.string("language") ?? "") ?? .enUS
        if let payee = row.string("payee"), let amount = row.string("amount") {
            payment = VerifyStart.Payment(payee: payee, amount: amount)
        } else {
            payment = nil
        }
        sealedCustomCode = row.blob("custom_code")
    }

    /// 32 lowercase hex characters, like Vonage's: the first 12 are the time in milliseconds, the
    /// other 20 are 80 bits from the CSPRNG, so an id can't be guessed. Requests started together
    /// then sit side by side in the unique index on `request_id`: a batch of starts dirties one of its
    /// leaf pages, where fully random ids dirtied one each, and every dirty page is a WAL frame
    /// written and checkpointed (BENCHMARKS.md, "The write path, sixth pass").
    static func newRequestID(at time: Double = Date().timeIntervalSince1970) -> String {
        let milliseconds = UInt64(max(0, time * 1000))
        let prefix = (0..<6).map { UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64($0))) }   // big-endian
        return Hex.encode(prefix + SecureRandom.bytes(10))
    }

    static func find(requestID: String, in db: DatabaseConnection) throws -> VerifyRequest? {
        try db.queryOne(findStatement(requestID: requestID)).map(VerifyRequest.init)
    }

    /// `find` as a statement, to send together with others; its row (if any) is the request.
    static func findStatement(requestID: String) -> SQLStatement {
        (findSQL, [.text(requestID)])
    }

    private static let findSQL = "SELECT \(columns) FROM verify_requests WHERE request_id = ?"

    public static func live(accountID: String, number: String, purpose: String, in db: DatabaseConnection) throws -> VerifyRequest? {
        try db.queryOne(liveStatement(accountID: accountID, number: number, purpose: purpose)).map(VerifyRequest.init)
    }

    /// `live` as a statement, to send together with other reads; its row is the request.
    /// One per account, number and purpose: the web flows each have their own.
    static func liveStatement(accountID: String, number: String, purpose: String) -> SQLStatement {
        ("SELECT \(columns) FROM verify_requests WHERE account_id = ? AND number = ? AND purpose = ? AND status = 'IN PROGRESS'",
         [.text(accountID), .text(number), .text(purpose)])
    }

    /// What claiming an event writes into its request: the new PIN's digest, when that PIN
    /// expires and when the following event falls due (nil: it was the last).
    struct EventClaim {
        let pinDigest: [UInt8]
        let pinExpiresAt: Int64
        let nextEventAt: Int64?
    }

    /// A new request; with `firstEvent`, its first event claimed in the same statement.
    static func insert(_ start: VerifyStart, requestID: String, accountID: String, ip: String, now: Int64,
                       claimingFirstEvent firstEvent: EventClaim? = nil, in db: DatabaseConnection) throws -> VerifyRequest {
        guard let row = try db.queryOne(insertStatement(start, requestID: requestID, accountID: accountID, ip: ip, now: now,
                                                        claimingFirstEvent: firstEvent, sealedCustomCode: nil)) else {
            throw DatabaseError.constraint(message: "INSERT returned no row")
        }
        return VerifyRequest(row: row)
    }

    /// `insert` as a statement, to send together with others; its row is the stored request
    /// (both engines know RETURNING).
    static func insertStatement(_ start: VerifyStart, requestID: String, accountID: String, ip: String, now: Int64,
                                claimingFirstEvent firstEvent: EventClaim?, sealedCustomCode: [UInt8]? = nil) -> SQLStatement {
        let claimedAt: SQLValue = firstEvent == nil ? .null : .integer(now)
        return ("""
            INSERT INTO verify_requests (request_id, account_id, number, brand, sender_id, code_length, pin_expiry,
                next_event_wait, workflow_id, status, client_ip, created_at,
                event_index, pin_digest, pin_expires_at, next_event_at, first_event_at, last_event_at, purpose,
                language, payee, amount, custom_code)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'IN PROGRESS', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING \(columns)
            """, [.text(requestID), .text(accountID), .text(start.number), .text(start.brand), .text(start.senderID),
                  .integer(Int64(start.codeLength)), .integer(Int64(start.pinExpiry)), .integer(Int64(start.nextEventWait)),
                  .integer(Int64(start.workflow.id)), .text(ip), .integer(now),
                  .integer(firstEvent == nil ? 0 : 1), firstEvent.map { .blob($0.pinDigest) } ?? .null,
                  firstEvent.map { .integer($0.pinExpiresAt) } ?? .null,
                  firstEvent?.nextEventAt.map(SQLValue.integer) ?? .null, claimedAt, claimedAt, .text(start.purpose),
                  .text(start.language.rawValue), start.payment.map { .text($0.payee) } ?? .null,
                  start.payment.map { .text($0.amount) } ?? .null, sealedCustomCode.map(SQLValue.blob) ?? .null])
    }

    /// Ends the request in a final state. Only an IN PROGRESS row moves, so the first
    /// writer wins when two transitions race.
    static func finalize(pk: Int64, _ status: Status, now: Int64, in db: DatabaseConnection) throws {
        try db.execute(finalizeStatement(pk: pk, status, now: now))
    }

    /// `finalize` as a statement, to send together with others.
    static func finalizeStatement(pk: Int64, _ status: Status, now: Int64) -> SQLStatement {
        ("""
            UPDATE verify_requests SET status = ?, finalized_at = ?, next_event_at = NULL, pin_digest = NULL, custom_code = NULL
            WHERE id = ? AND status = ?
            """, [.text(status.rawValue), .integer(now), .integer(pk), .text(Status.inProgress.rawValue)])
    }

    /// Records event `index` as claimed with its new PIN digest. Conditional on the row
    /// still being at `index`, so two claimers (scheduler and a trigger) cannot both win.
    static func claimEvent(pk: Int64, index: Int, _ claim: EventClaim, now: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.execute("""
            UPDATE verify_requests SET event_index = event_index + 1, pin_digest = ?, pin_expires_at = ?,
                next_event_at = ?, first_event_at = COALESCE(first_event_at, ?), last_event_at = ?
            WHERE id = ? AND status = ? AND event_index = ?
            """, [.blob(claim.pinDigest), .integer(claim.pinExpiresAt), claim.nextEventAt.map(SQLValue.integer) ?? .null,
                  .integer(now), .integer(now), .integer(pk), .text(Status.inProgress.rawValue), .integer(Int64(index))])
        return db.changes == 1
    }

    /// The scheduler skipped event `index` (a send limit): no event follows, and the request
    /// runs out when its last code expires. Conditional like `claimEvent`; false when it moved on.
    static func stopEvents(pk: Int64, index: Int, in db: DatabaseConnection) throws -> Bool {
        try db.execute("""
            UPDATE verify_requests SET next_event_at = NULL WHERE id = ? AND status = ? AND event_index = ?
            """, [.integer(pk), .text(Status.inProgress.rawValue), .integer(Int64(index))])
        return db.changes == 1
    }

    static func recordWrongCheck(pk: Int64, in db: DatabaseConnection) throws {
        try db.execute(wrongCheckStatement(pk: pk))
    }

    /// `recordWrongCheck` as a statement, to send together with others.
    static func wrongCheckStatement(pk: Int64) -> SQLStatement {
        ("UPDATE verify_requests SET wrong_checks = wrong_checks + 1 WHERE id = ?", [.integer(pk)])
    }

    /// Requests whose next event is due, oldest first.
    static func due(now: Int64, limit: Int, in db: DatabaseConnection) throws -> [VerifyRequest] {
        try db.query("""
            SELECT \(columns) FROM verify_requests
            WHERE status = 'IN PROGRESS' AND next_event_at IS NOT NULL AND next_event_at <= ?
            ORDER BY next_event_at LIMIT ?
            """, [.integer(now), .integer(Int64(limit))]).map(VerifyRequest.init)
    }

    /// Requests with no event left whose last PIN has expired become EXPIRED.
    static func expireFinished(now: Int64, in db: DatabaseConnection) throws -> Int {
        try db.execute("""
            UPDATE verify_requests SET status = 'EXPIRED', finalized_at = ?, pin_digest = NULL, custom_code = NULL
            WHERE status = 'IN PROGRESS' AND next_event_at IS NULL AND pin_expires_at IS NOT NULL AND pin_expires_at <= ?
            """, [.integer(now), .integer(now)])
        return db.changes
    }

    /// Whether this request, as read at `now`, has run out: no event left and the PIN expired.
    public func hasRunOut(now: Int64) -> Bool {
        status == .inProgress && nextEventAt == nil && (pinExpiresAt.map { $0 <= now } ?? false)
    }
}
