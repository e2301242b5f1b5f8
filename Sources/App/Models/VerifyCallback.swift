import Database
import Foundation
import Support
import Verify

/// The callbacks of an ended Verify request in Vonage Verify v2's shapes (vonage-java-sdk
/// `verify2.VerificationCallback` and its tests): an `event` with the outcome, and a `summary`
/// with each workflow step's channel, start and status. Built from the stored request, so the
/// v1 face's requests get the same callbacks.
struct VerifyCallback {
    let requestPK: Int64
    let apiKey: String
    let kind: String
    let body: String

    /// Vonage's final statuses; a request the client cancelled itself gets no callback.
    static func outcome(_ status: String) -> String? {
        switch status {
        case "SUCCESS": return "completed"
        case "FAILED": return "failed"
        case "EXPIRED": return "expired"
        default: return nil
        }
    }

    /// The columns `make` reads (a `verify_requests r` joined with `verify_client_refs cr`).
    static let columns = """
        r.id, r.request_id, r.account_id, r.status, r.created_at, r.finalized_at, r.next_event_wait, r.workflow_id, cr.client_ref
        """

    /// The two callbacks of the ended request in `row`; none for a cancelled one.
    static func make(row: Row, in db: DatabaseConnection) throws -> [VerifyCallback] {
        guard let pk = row.int64("id"), let status = outcome(row.string("status") ?? "") else { return [] }
        let id = VonageV2ID.show(row.string("request_id") ?? "")
        let apiKey = row.string("account_id") ?? ""
        let clientRef = row.string("client_ref")
        let finalized = row.int64("finalized_at") ?? 0
        let steps = Workflow(id: row.int("workflow_id") ?? 1)?.events ?? [.sms]
        let started = try db.query("SELECT created_at FROM verify_events WHERE request_pk = ? ORDER BY id", [.integer(pk)])
            .compactMap { $0.int64("created_at") }
        // Vonage v2's channel names are the ones our metrics use.
        func channel(_ kind: VerifyEvent.Kind) -> JSONValue { .string(kind.channel) }
        let lastStep = max(0, min(started.count, steps.count) - 1)

        var event: [(String, JSONValue)] = [
            ("request_id", .string(id)), ("triggered_at", .string(isoDate(row.int64("created_at") ?? 0))), ("type", .string("event")),
            ("channel", channel(steps[lastStep])), ("status", .string(status)), ("finalized_at", .string(isoDate(finalized))),
        ]
        var summary: [(String, JSONValue)] = [
            ("request_id", .string(id)), ("submitted_at", .string(isoDate(row.int64("created_at") ?? 0))),
            ("status", .string(status)), ("type", .string("summary")),
            ("channel_timeout", .int(row.int64("next_event_wait") ?? 300)),
            ("workflow", .array(steps.enumerated().map { i, kind in
                guard i < started.count else { return .object([("channel", channel(kind)), ("status", .string("unused"))]) }
                // An earlier step's code died when the next step sent a new one.
                return .object([("channel", channel(kind)), ("initiated_at", .string(isoDate(started[i]))),
                                ("status", .string(i == lastStep ? status : "expired"))])
            })),
        ]
        if let clientRef {
            event.append(("client_ref", .string(clientRef)))
            summary.append(("client_ref", .string(clientRef)))
        }
        return [VerifyCallback(requestPK: pk, apiKey: apiKey, kind: "event", body: JSONValue.object(event).serialized),
                VerifyCallback(requestPK: pk, apiKey: apiKey, kind: "summary", body: JSONValue.object(summary).serialized)]
    }

    /// ISO 8601 in UTC with milliseconds, as Vonage writes its callbacks' times.
    static func isoDate(_ seconds: Int64) -> String { Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(seconds))) }
}
