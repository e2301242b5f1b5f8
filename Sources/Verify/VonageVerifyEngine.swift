import Database
import Foundation
import Messaging
import Security
import Support

/// VERIFY_ENGINE=vonage: the same calls as `BuiltinVerifyEngine`, delegated to Vonage's
/// hosted Verify v1 API (`/verify/json`, `/verify/check/json`, `/verify/control/json`),
/// as Vonage's reference tutorials do. Vonage makes the PIN, sends the texts and calls and
/// runs the workflow's schedule; the PIN never reaches us.
///
/// We keep a local record of each request (`verify_requests`, with `pin_digest` and
/// `next_event_at` always NULL; see VerifyRequest+Delegated) because the web app reads the
/// request's state through `search` on every PIN page, because each request belongs to one
/// of our accounts (the web app or an API client) while all of them share our one Vonage
/// account, and because the send throttles count events. What differs from the built-in
/// engine (docs/verify-api.md, "VERIFY_ENGINE=vonage"):
/// - Events Vonage fires by itself (the call after an unanswered text) are inferred from
///   `next_event_wait`, not reported: the record says when they should have happened.
/// - `search` (web and JSON API) answers from that record: our checks are kept without the
///   code (`code: null`, wrong ones too), and events are the ones we asked for or inferred.
/// - The send throttles count only that record; audit and metrics see the sends we asked
///   for and the checks we relayed, not Vonage's scheduled events.
/// - Vonage decides how many wrong codes end a request (3) and when a cancel is refused;
///   its answers (16, 17, 19, …) are passed on. PIN_MAX_ATTEMPTS only shapes the page's wording.
/// - The scheduler does nothing: Vonage runs the workflow.
/// Every Vonage failure (network, timeout, 5xx after the retries, an error status) becomes a
/// `VerifyError`, so the web app shows its usual messages and the JSON API a status.
public final class VonageVerifyEngine: VerifyEngine, @unchecked Sendable {
    public static let defaultBaseURL = VonageVerifyClient.defaultBaseURL

    let database: Database
    let client: VonageVerifyClient
    let throttle: SendThrottle
    let maxWrongChecks: Int
    let observer: VerifyObserver?

    public init(database: Database, apiKey: String, apiSecret: String, baseURL: URL = VonageVerifyEngine.defaultBaseURL,
                http: OutboundHTTPClient = OutboundHTTPClient(), throttle: SendThrottle, maxWrongChecks: Int,
                observer: VerifyObserver? = nil) {
        self.database = database
        client = VonageVerifyClient(apiKey: apiKey, apiSecret: apiSecret, baseURL: baseURL, http: http)
        self.throttle = throttle; self.maxWrongChecks = maxWrongChecks; self.observer = observer
    }

    // MARK: Request

    public func start(_ start: VerifyStart, accountID: String, ip: String, now: Int64) throws -> String {
        let send = SendThrottle.Send(number: start.number, purpose: start.purpose, ip: ip, accountID: accountID, isStart: true,
                                     toVerifiedNumber: start.toVerifiedNumber, now: now)
        // Vonage Verify v1 has no e-mail channel.
        if start.workflow.sendsEmail { throw VerifyError(.invalidParameter, "Invalid value for param: email (not with VERIFY_ENGINE=vonage)") }
        // Refused here, before Vonage is asked (and paid).
        if !throttle.countries.allows(start.number) { throw SendRefusal.country.reported(for: send, to: observer, note: "; Vonage not asked") }
        if start.withholdsCode {
            // Nothing goes to Vonage: only our record, so the web app's page reads like any other.
            // As for a real start, the send limits count it (a `withheld` event row) and it
            // replaces the number's live request of its purpose.
            let requestID = VerifyRequest.newRequestID()
            let none = VerifyRequest.EventClaim(pinDigest: SecureRandom.bytes(32), pinExpiresAt: now + Int64(start.pinExpiry),
                                                nextEventAt: nil)
            do {
                try database.write { db in
                    if let refusal = try throttle.admit(send, in: db) { throw refusal }
                    if let old = try VerifyRequest.live(accountID: accountID, number: start.number, purpose: start.purpose, in: db) {
                        try VerifyRequest.finalize(pk: old.pk, .cancelled, now: now, in: db)
                    }
                    _ = try VerifyRequest.insert(start, requestID: requestID, accountID: accountID, ip: ip, now: now,
                                                 claimingFirstEvent: none, in: db)
                    _ = try VerifyEvent.claim(requestID: requestID, kind: start.workflow.events[0], number: start.number, ip: ip,
                                              now: now, status: .withheld, in: db)
                }
            } catch let refusal as SendRefusal {
                throw refusal.reported(for: send, to: observer, note: "; Vonage not asked")
            }
            return requestID
        }
        let live: VerifyRequest?
        do {
            live = try database.write { db -> VerifyRequest? in
                var live = try VerifyRequest.live(accountID: accountID, number: start.number, purpose: start.purpose, in: db)
                if let found = live { live = try refresh(found, now: now, in: db) }
                if let live, live.status == .inProgress, !start.mayReplace(live.requestID) {
                    throw Self.concurrent(live.requestID)
                }
                // Counted in the budget and the brake once admitted (a start Vonage then fails still counts).
                if let refusal = try throttle.admit(send, in: db) { throw refusal }
                return live?.status == .inProgress ? live : nil
            }
        } catch let refusal as SendRefusal {
            throw refusal.reported(for: send, to: observer, note: "; Vonage not asked")
        }

        var answer = try ask(start.payment == nil ? .start : .psd2, Self.fields(start), label: "Vonage Verify start to \(Redact.phone(start.number))",
                             orRecordFailureOf: start, accountID: accountID, ip: ip, now: now)
        if answer.status == VerifyStatus.concurrent.rawValue, start.replacesLiveRequest || start.replacesRequestID != nil,
           let live = try live ?? ownRecord(answer.requestID, accountID: accountID), answer.requestID == live.requestID,
           start.mayReplace(live.requestID),
           live.purpose == start.purpose || start.outranksPurposes.contains(live.purpose) {
            // Another flow's live request is cancelled only if this start outranks it (a login
            // over a passwordless request), never the other way round.
            // The web app's new login supersedes its live request, as with the built-in engine:
            // cancel it at Vonage and start again. Vonage refuses a cancel in the first 30 s
            // (and after the second event); then the new login joins the live request, whose
            // code the user has just been sent.
            let cancelled = try? client.send(.control, [("request_id", live.requestID), ("cmd", "cancel")],
                                             label: "Vonage Verify cancel \(live.requestID)")
            guard cancelled?.succeeded == true else {
                guard live.status == .inProgress else { throw Self.concurrent(live.requestID) }
                Log.info("verify \(live.requestID): still live at Vonage; the new request joins it")
                return live.requestID
            }
            try database.write { try VerifyRequest.finalize(pk: live.pk, .cancelled, now: now, in: $0) }
            answer = try ask(start.payment == nil ? .start : .psd2, Self.fields(start), label: "Vonage Verify start to \(Redact.phone(start.number))",
                             orRecordFailureOf: start, accountID: accountID, ip: ip, now: now)
        }
        guard answer.succeeded else {
            throw try startRefused(answer, start: start, accountID: accountID, ip: ip, now: now)
        }
        let requestID = answer.requestID
        guard !requestID.isEmpty, requestID.count <= 64 else {
            Log.error("Vonage Verify start: status 0 without a usable request_id")
            throw try failedStart(start, accountID: accountID, ip: ip, now: now)
        }
        let kind = start.workflow.events[0]
        let request: VerifyRequest = try database.write { db in
            // Whatever we still thought live for this number is over at Vonage, or it would have said 10.
            if let old = try VerifyRequest.live(accountID: accountID, number: start.number, purpose: start.purpose, in: db) {
                try VerifyRequest.finalize(pk: old.pk, .cancelled, now: now, in: db)
            }
            var request = try VerifyRequest.insert(start, requestID: requestID, accountID: accountID, ip: ip, now: now, in: db)
            try recordEvent(request, kind: kind, ip: ip, at: now, in: db)
            request = try VerifyRequest.find(requestID: requestID, in: db) ?? request
            return request
        }
        observer?.pinSent(kind, request: request, scheduled: false, now: now)
        Log.info("verify \(requestID): started at Vonage, \(kind.rawValue) to \(Redact.phone(start.number)) (workflow \(start.workflow.id))")
        return requestID
    }

    /// `/verify/json`'s fields. The number goes without '+', as Vonage documents.
    static func fields(_ start: VerifyStart) -> [(String, String)] {
        var fields = [("number", start.number.filter { $0.isASCII && $0.isNumber }), ("brand", start.brand),
                      ("code_length", String(start.codeLength)), ("pin_expiry", String(start.pinExpiry)),
                      ("next_event_wait", String(start.nextEventWait)), ("workflow_id", String(start.workflow.id))]
        if start.senderID != "verify" { fields.append(("sender_id", start.senderID)) }
        if start.language != .enUS { fields.append(("lg", start.language.rawValue)) }
        if let code = start.customCode { fields.append(("pin_code", code)) }
        if let payment = start.payment {
            // Vonage's PSD2 request names the payee instead of a brand.
            fields.removeAll { $0.0 == "brand" }
            fields += [("payee", payment.payee), ("amount", payment.amount)]
        }
        return fields
    }

    // MARK: Check

    public func check(requestID: String, code: String, accountID: String, ip: String, now: Int64) throws -> String {
        guard VerifyCheck.isCodeForm(code) else {
            throw VerifyError.invalid("code")
        }
        guard let r = try current(requestID, accountID: accountID, now: now) else { throw VerifyError.notFound(requestID) }
        if r.status == .failed && r.wrongChecks >= maxWrongChecks {
            throw VerifyError(.tooManyWrongCodes, "The wrong code was provided too many times. Request terminated", requestID: requestID)
        }
        guard r.status == .inProgress else { throw VerifyError.notFound(requestID) }

        let answer: VonageVerifyAnswer
        do {
            answer = try client.send(.check, [("request_id", requestID), ("code", code)], label: "Vonage Verify check \(requestID)")
        } catch {
            Log.error("verify \(requestID): Vonage check failed: \(error)")
            throw VerifyError(.internalError, "Internal Error: the code could not be checked, try again", requestID: requestID)
        }
        let kind = r.lastEventKind ?? .sms
        switch answer.status {
        case VerifyStatus.success.rawValue:
            let eventID: String = try database.write { db in
                try VerifyCheck.record(requestPK: r.pk, code: nil, status: .valid, ip: ip, now: now, in: db)
                try VerifyRequest.finalize(pk: r.pk, .success, now: now, in: db)
                return try VerifyEvent.latest(requestID: r.requestID, in: db)?.eventID ?? ""
            }
            observer?.pinChecked(kind, request: r, valid: true, now: now)
            return answer.eventID.isEmpty ? eventID : answer.eventID
        case VerifyStatus.wrongCode.rawValue:
            try database.write { db in
                try VerifyCheck.record(requestPK: r.pk, code: nil, status: .invalid, ip: ip, now: now, in: db)
                try VerifyRequest.recordWrongCheck(pk: r.pk, in: db)
            }
            observer?.pinChecked(kind, request: r, valid: false, now: now)
            throw VerifyError(.wrongCode, Self.text(answer, or: "The code provided does not match the expected value"),
                              requestID: requestID)
        case VerifyStatus.tooManyWrongCodes.rawValue:
            try database.write { db in
                try VerifyCheck.record(requestPK: r.pk, code: nil, status: .invalid, ip: ip, now: now, in: db)
                try VerifyRequest.recordTooManyWrongChecks(pk: r.pk, limit: maxWrongChecks, in: db)
                try VerifyRequest.finalize(pk: r.pk, .failed, now: now, in: db)
            }
            observer?.pinChecked(kind, request: r, valid: false, now: now)
            throw VerifyError(.tooManyWrongCodes, Self.text(answer, or: "The wrong code was provided too many times. Request terminated"),
                              requestID: requestID)
        case VerifyStatus.notFound.rawValue:
            // Over at Vonage (expired, cancelled or verified elsewhere): over here too.
            try database.write { try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: $0) }
            throw VerifyError.notFound(requestID)
        default:
            throw refusal(answer, requestID: requestID)
        }
    }

    // MARK: Search

    public func search(requestID: String, accountID: String, now: Int64) throws -> VerifyRequest? {
        guard var r = try current(requestID, accountID: accountID, now: now) else { return nil }
        try database.read { db in
            r.events = try VerifyEvent.all(requestPK: r.pk, in: db)
            r.checks = try VerifyCheck.all(requestPK: r.pk, in: db)
        }
        return r
    }

    // MARK: Control

    public func cancel(requestID: String, accountID: String, now: Int64) throws {
        guard let r = try current(requestID, accountID: accountID, now: now), r.status == .inProgress else {
            throw Self.inactive(requestID)
        }
        let answer = try control("cancel", r)
        switch answer.status {
        case VerifyStatus.success.rawValue:
            try database.write { try VerifyRequest.finalize(pk: r.pk, .cancelled, now: now, in: $0) }
        case VerifyStatus.notFound.rawValue:
            try database.write { try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: $0) }
            throw Self.inactive(requestID)
        default:
            throw refusal(answer, requestID: requestID)
        }
    }

    public func cancelAtOnce(requestID: String, accountID: String, now: Int64) throws {
        try cancel(requestID: requestID, accountID: accountID, now: now)
    }

    /// Only our record moves: Vonage has no "approve", and its request simply runs out.
    public func approve(requestID: String, accountID: String, now: Int64) throws {
        guard let r = try current(requestID, accountID: accountID, now: now), r.status == .inProgress, r.hasCustomCode else {
            throw Self.inactive(requestID)
        }
        try database.write { try VerifyRequest.finalize(pk: r.pk, .success, now: now, in: $0) }
    }

    public func triggerNextEvent(requestID: String, accountID: String, ip: String, now: Int64) throws {
        guard let r = try current(requestID, accountID: accountID, now: now), r.status == .inProgress else {
            throw Self.inactive(requestID)
        }
        guard let kind = r.nextEventKind else {
            throw VerifyError(.controlRefused, "No more events are left to execute for the request ['\(requestID)']",
                              requestID: requestID)
        }
        let send = SendThrottle.Send(number: r.number, purpose: r.purpose, ip: ip, accountID: accountID, now: now)
        do {
            try database.write { db in
                if let refusal = try throttle.admit(send, in: db) { throw refusal }   // rolled back
            }
        } catch let refusal as SendRefusal {
            throw refusal.reported(for: send, to: observer, note: "; Vonage not asked")
        }
        let answer = try control("trigger_next_event", r)
        switch answer.status {
        case VerifyStatus.success.rawValue:
            try database.write { db in
                guard try VerifyRequest.recordDelegatedEvent(pk: r.pk, index: r.eventIndex, pinExpiresAt: now + Int64(r.pinExpiry),
                                                             at: now, in: db) else { return }
                try recordEventRow(r, kind: kind, ip: ip, at: now, in: db)
            }
            observer?.pinSent(kind, request: r, scheduled: false, now: now)
        case VerifyStatus.notFound.rawValue:
            try database.write { try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: $0) }
            throw Self.inactive(requestID)
        default:
            throw refusal(answer, requestID: requestID)
        }
    }

    private func control(_ command: String, _ r: VerifyRequest) throws -> VonageVerifyAnswer {
        do {
            return try client.send(.control, [("request_id", r.requestID), ("cmd", command)],
                                   label: "Vonage Verify \(command) \(r.requestID)")
        } catch {
            Log.error("verify \(r.requestID): Vonage \(command) failed: \(error)")
            throw VerifyError(.internalError, "Internal Error: the verification service did not answer, try again",
                              requestID: r.requestID)
        }
    }

    // MARK: The local record

    /// The account's record of `requestID`, brought up to date with Vonage's schedule; nil
    /// when unknown or another account's (all accounts share our one Vonage account).
    private func current(_ requestID: String, accountID: String, now: Int64) throws -> VerifyRequest? {
        guard let r = try database.read({ try VerifyRequest.find(requestID: requestID, in: $0) }), r.accountID == accountID else {
            return nil
        }
        guard needsRefresh(r, now: now) else { return r }
        return try database.write { db in
            guard let fresh = try VerifyRequest.find(requestID: requestID, in: db) else { return r }
            return try refresh(fresh, now: now, in: db)
        }
    }

    /// Our record of a request Vonage named (status 10), if this account owns it, whatever its state here.
    private func ownRecord(_ requestID: String, accountID: String) throws -> VerifyRequest? {
        guard !requestID.isEmpty,
              let r = try database.read({ try VerifyRequest.find(requestID: requestID, in: $0) }), r.accountID == accountID else {
            return nil
        }
        return r
    }

    private func needsRefresh(_ r: VerifyRequest, now: Int64) -> Bool {
        if let due = r.delegatedNextEventAt, due <= now { return true }
        return runOut(r, now: now)
    }

    /// Events Vonage's workflow has fired since (by `next_event_wait`), then EXPIRED once
    /// no event is left and the last code has expired.
    private func refresh(_ request: VerifyRequest, now: Int64, in db: DatabaseConnection) throws -> VerifyRequest {
        var r = request
        while let due = r.delegatedNextEventAt, due <= now, let kind = r.nextEventKind {
            guard try VerifyRequest.recordDelegatedEvent(pk: r.pk, index: r.eventIndex, pinExpiresAt: due + Int64(r.pinExpiry),
                                                         at: due, in: db) else { break }
            try recordEventRow(r, kind: kind, ip: "", at: due, in: db)
            guard let next = try VerifyRequest.find(requestID: r.requestID, in: db) else { break }
            r = next
        }
        if runOut(r, now: now) {
            try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: db)
            r = try VerifyRequest.find(requestID: r.requestID, in: db) ?? r
        }
        return r
    }

    private func runOut(_ r: VerifyRequest, now: Int64) -> Bool {
        r.status == .inProgress && r.nextEventKind == nil && (r.pinExpiresAt.map { $0 <= now } ?? false)
    }

    /// The first event of a new request: moves the record on and writes the event.
    private func recordEvent(_ r: VerifyRequest, kind: VerifyEvent.Kind, ip: String, at: Int64, in db: DatabaseConnection) throws {
        guard try VerifyRequest.recordDelegatedEvent(pk: r.pk, index: r.eventIndex, pinExpiresAt: at + Int64(r.pinExpiry),
                                                     at: at, in: db) else { return }
        try recordEventRow(r, kind: kind, ip: ip, at: at, in: db)
    }

    /// An event Vonage sent (or was asked to): counted by the send throttles like any other.
    private func recordEventRow(_ r: VerifyRequest, kind: VerifyEvent.Kind, ip: String, at: Int64, in db: DatabaseConnection) throws {
        _ = try VerifyEvent.claim(requestID: r.requestID, kind: kind, number: r.number, ip: ip, now: at, status: .sent, in: db)
    }

    // MARK: Failures

    /// Sends a start; when Vonage can't be reached, records the failure and throws.
    private func ask(_ call: VonageVerifyClient.Call, _ fields: [(String, String)], label: String,
                     orRecordFailureOf start: VerifyStart, accountID: String, ip: String, now: Int64) throws -> VonageVerifyAnswer {
        do {
            return try client.send(call, fields, label: label)
        } catch {
            Log.error("verify: Vonage start to \(Redact.phone(start.number)) failed: \(error)")
            throw try failedStart(start, accountID: accountID, ip: ip, now: now)
        }
    }

    /// A start that sent nothing: recorded as FAILED under an id of ours, which the error carries
    /// (the web app links it, and its page says "We couldn't send your code — try again").
    private func failedStart(_ start: VerifyStart, accountID: String, ip: String, now: Int64) throws -> VerifyError {
        let id = VerifyRequest.newRequestID()
        try database.write { try VerifyRequest.insertFailedDelegated(start, requestID: id, accountID: accountID, ip: ip, now: now, in: $0) }
        // Nothing went out: the budget and the brake give back what the start took.
        try SendCounters.giveBack(accountID: accountID, brake: throttle.maxUnverifiedPerHour > 0 && !start.toVerifiedNumber,
                                  now: now, in: database)
        return VerifyError(.internalError, "Internal Error: the code could not be delivered", requestID: id)
    }

    /// Vonage refused a start. Its statuses that concern the caller are passed on; those about
    /// our Vonage account or its delivery become "could not be delivered".
    private func startRefused(_ answer: VonageVerifyAnswer, start: VerifyStart, accountID: String, ip: String,
                              now: Int64) throws -> VerifyError {
        switch answer.status {
        case VerifyStatus.throttled.rawValue:
            return .throttled
        case VerifyStatus.concurrent.rawValue:
            // The live request may be another account's (one Vonage account serves them all): its id
            // is only given back to its owner.
            let owned = try database.read { try VerifyRequest.find(requestID: answer.requestID, in: $0) }
            return Self.concurrent(owned?.accountID == accountID ? answer.requestID : "")
        case VerifyStatus.missingParameter.rawValue, VerifyStatus.invalidParameter.rawValue:
            Log.warning("verify: Vonage refused a start to \(Redact.phone(start.number)): status \(answer.status): \(answer.errorText)")
            return VerifyError(VerifyStatus(rawValue: answer.status)!, Self.text(answer, or: "Invalid request"))
        default:
            // 4 (our Vonage credentials), 5, 6 (unroutable), 7 (blacklisted), 8, 9 (our account), 15, 29, …
            Log.error("verify: Vonage refused a start to \(Redact.phone(start.number)): status \(answer.status): \(answer.errorText)")
            return try failedStart(start, accountID: accountID, ip: ip, now: now)
        }
    }

    /// Vonage's answer to a check or control that is none of the expected ones.
    private func refusal(_ answer: VonageVerifyAnswer, requestID: String) -> VerifyError {
        switch answer.status {
        case VerifyStatus.throttled.rawValue:
            return .throttled
        case VerifyStatus.controlRefused.rawValue:
            return VerifyError(.controlRefused, Self.text(answer, or: "The request can't be controlled now"), requestID: requestID)
        case VerifyStatus.missingParameter.rawValue, VerifyStatus.invalidParameter.rawValue:
            return VerifyError(VerifyStatus(rawValue: answer.status)!, Self.text(answer, or: "Invalid request"), requestID: requestID)
        default:
            Log.error("verify \(requestID): Vonage answered status \(answer.status): \(answer.errorText)")
            return VerifyError(.internalError, "Internal Error", requestID: requestID)
        }
    }

    private static func text(_ answer: VonageVerifyAnswer, or fallback: String) -> String {
        answer.errorText.isEmpty ? fallback : answer.errorText
    }

    private static func concurrent(_ id: String) -> VerifyError {
        VerifyError(.concurrent, "Concurrent verifications to the same number are not allowed", requestID: id)
    }

    private static func inactive(_ id: String) -> VerifyError {
        VerifyError(.notFound, "The requestId '\(id)' does not exist or its no longer active.", requestID: id)
    }
}
