import Foundation
import HTTP
import Support
import Verify

/// The Twilio Verify v2 face (`/v2/Services…`), wire-compatible so that a backend using a Twilio
/// SDK works by changing only its Verify base URL and credentials (an `api-keys create --twilio`
/// account SID and auth token). Form bodies, HTTP Basic; answers and errors in Twilio's JSON.
/// The work is in `TwilioVerify` (Flows/); this reads parameters and renders.
public struct TwilioVerifyController: Controller {
    public static let name = "twilio_verify"
    public static let usesBrowserSession = false
    public enum Action: String {
        case createService, listServices, showService, updateService, deleteService
        case createVerification, showVerification, updateVerification, createVerificationCheck
    }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    // MARK: Services

    func createService(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            guard call.params.has("FriendlyName") else { throw TwilioError.invalid("FriendlyName") }
            var service = TwilioService(sid: TwilioService.newSID(), accountSID: call.accountSID, friendlyName: "", now: context.now)
            try Self.apply(call.params, to: &service)
            try context.app.database.write { try service.insert(in: $0) }
            return json(service, call).response(status: 201)
        }
    }

    func listServices(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let size = try Self.integer(call.params, "PageSize", in: 1...1000) ?? 50
            let page = try Self.integer(call.params, "Page", in: 0...1_000_000) ?? 0
            // One more than the page holds tells whether there is a next page.
            let rows = try context.app.database.read {
                try TwilioService.page(accountSID: call.accountSID, offset: page * size, limit: size + 1, in: $0)
            }
            let base = baseURL + "/v2/Services"
            func url(_ p: Int) -> JSONValue { .string("\(base)?PageSize=\(size)&Page=\(p)") }
            return JSONValue.object([
                ("services", .array(rows.prefix(size).map { json($0, call) })),
                ("meta", .object([
                    ("page", .int(Int64(page))), ("page_size", .int(Int64(size))), ("first_page_url", url(0)),
                    ("previous_page_url", page > 0 ? url(page - 1) : .null), ("url", url(page)),
                    ("next_page_url", rows.count > size ? url(page + 1) : .null), ("key", .string("services")),
                ])),
            ]).response()
        }
    }

    func showService(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) { json(try service(call), call).response() }
    }

    func updateService(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            var service = try service(call)
            try Self.apply(call.params, to: &service)
            service.updatedAt = context.now
            try context.app.database.write { try service.update(in: $0) }
            return json(service, call).response()
        }
    }

    func deleteService(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let service = try service(call)
            try flow(call).cancelAll(service: service)
            _ = try context.app.database.write { try TwilioService.delete(sid: service.sid, accountSID: call.accountSID, in: $0) }
            return HTTPResponse(status: 204)
        }
    }

    // MARK: Verifications

    func createVerification(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let service = try service(call)
            let p = call.params
            func optional(_ name: String) -> String? { p.has(name) ? p[name] : nil }
            let start = TwilioVerify.Start(to: p["To"], channel: p["Channel"], customFriendlyName: optional("CustomFriendlyName"),
                                           locale: optional("Locale"), amount: optional("Amount"), payee: optional("Payee"),
                                           customCode: optional("CustomCode"))
            return json(try flow(call).start(start, service: service), call, status: "pending").response(status: 201)
        }
    }

    func showVerification(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let service = try service(call)
            guard let found = try flow(call).pending(sid: call.path["Sid"] ?? "", service: service) else {
                throw TwilioError.notFound(twilioPath)
            }
            return json(found, call).response()
        }
    }

    /// `Status=canceled`, or `approved` for a verification with a custom code (as on Twilio).
    func updateVerification(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let service = try service(call), sid = call.path["Sid"] ?? ""
            switch call.params["Status"] {
            case "canceled": return json(try flow(call).cancel(sid: sid, service: service, path: twilioPath), call).response()
            case "approved": return json(try flow(call).approve(sid: sid, service: service, path: twilioPath), call).response()
            default: throw TwilioError.invalid("Status")
            }
        }
    }

    func createVerificationCheck(_ call: TwilioCall) throws -> HTTPResponse {
        answer(call) {
            let service = try service(call)
            let p = call.params
            let checked = try flow(call).check(code: p["Code"], to: p.has("To") ? p["To"] : nil,
                                               sid: p.has("VerificationSid") ? p["VerificationSid"] : nil,
                                               amount: p.has("Amount") ? p["Amount"] : nil, payee: p.has("Payee") ? p["Payee"] : nil,
                                               service: service, path: twilioPath)
            var answer = json(checked, call)
            if case .object(let pairs) = answer {
                // A check answers no url nor send attempts (Twilio's VerificationCheck resource).
                answer = .object(pairs.filter { !["url", "send_code_attempts", "lookup"].contains($0.0) })
            }
            return answer.response()
        }
    }

    // MARK: Helpers

    private func flow(_ call: TwilioCall) -> TwilioVerify {
        TwilioVerify(app: context.app, client: call.client, now: context.now)
    }

    /// The route's service, the caller's own; anyone else's is 20404 like a made-up sid.
    private func service(_ call: TwilioCall) throws -> TwilioService {
        let sid = call.path["ServiceSid"] ?? ""
        guard let found = try context.app.database.read({ try TwilioService.find(sid: sid, accountSID: call.accountSID, in: $0) })
        else { throw TwilioError.notFound(twilioPath) }
        return found
    }

    /// The path as Twilio names it in a 20404's message: without the version.
    private var twilioPath: String {
        let path = context.request.path
        return path.hasPrefix("/v2/") ? String(path.dropFirst(3)) : path
    }

    /// Runs an action; a refusal becomes Twilio's error body, counted in /metrics.
    private func answer(_ call: TwilioCall, _ body: () throws -> HTTPResponse) -> HTTPResponse {
        do {
            return try body()
        } catch let error as TwilioError {
            context.app.metrics.refused(error.metricsReason)
            return error.response()
        } catch {
            Log.error("twilio_verify failed: \(error)")
            return TwilioError.internalError.response()
        }
    }

    /// Where this server was reached, for the `url` fields.
    private var baseURL: String {
        let host = context.request.headers["Host"] ?? "localhost"
        return (context.isSecure ? "https://" : "http://") + host
    }

    static func integer(_ params: Parameters, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard params.has(name) else { return nil }
        guard let n = Int(params[name]), range.contains(n) else { throw TwilioError.invalid(name) }
        return n
    }

    static func bool(_ params: Parameters, _ name: String) throws -> Bool? {
        guard params.has(name) else { return nil }
        switch params[name].lowercased() {
        case "true": return true
        case "false": return false
        default: throw TwilioError.invalid(name)
        }
    }

    /// The Service parameters a create or update sets; those absent keep their value.
    static func apply(_ params: Parameters, to service: inout TwilioService) throws {
        if params.has("FriendlyName") {
            let name = params["FriendlyName"]
            guard VerifyStart.brandProblem(name, length: TwilioService.friendlyNameLength) == nil else {
                throw TwilioError.invalid("FriendlyName")
            }
            service.friendlyName = name
        }
        if let n = try integer(params, "CodeLength", in: TwilioService.codeLengths) { service.codeLength = n }
        if let b = try bool(params, "CustomCodeEnabled") { service.customCodeEnabled = b }
        if let b = try bool(params, "DoNotShareWarningEnabled") { service.doNotShareWarningEnabled = b }
        if let b = try bool(params, "Psd2Enabled") { service.psd2Enabled = b }
        if let b = try bool(params, "LookupEnabled") { service.lookupEnabled = b }
        if let b = try bool(params, "SkipSmsToLandlines") { service.skipSMSToLandlines = b }
        if let b = try bool(params, "DtmfInputRequired") { service.dtmfInputRequired = b }
        if params.has("TtsName") { service.ttsName = params["TtsName"] }
    }

    // MARK: JSON

    /// Twilio's date format: ISO 8601 in UTC, "2015-07-30T20:00:00Z".
    static func date(_ seconds: Int64) -> JSONValue {
        let text = VerifyDate.format(seconds)
        return .string(text.replacingOccurrences(of: " ", with: "T") + "Z")
    }

    private func json(_ s: TwilioService, _ call: TwilioCall) -> JSONValue {
        let url = baseURL + "/v2/Services/" + s.sid
        return .object([
            ("sid", .string(s.sid)), ("account_sid", .string(s.accountSID)), ("friendly_name", .string(s.friendlyName)),
            ("code_length", .int(Int64(s.codeLength))), ("lookup_enabled", .bool(s.lookupEnabled)),
            ("psd2_enabled", .bool(s.psd2Enabled)), ("skip_sms_to_landlines", .bool(s.skipSMSToLandlines)),
            ("dtmf_input_required", .bool(s.dtmfInputRequired)), ("tts_name", s.ttsName.map(JSONValue.string) ?? .null),
            ("do_not_share_warning_enabled", .bool(s.doNotShareWarningEnabled)),
            ("custom_code_enabled", .bool(s.customCodeEnabled)),
            ("push", .object([("include_date", .bool(false)), ("apn_credential_sid", .null), ("fcm_credential_sid", .null)])),
            ("totp", .object([("issuer", .string(s.friendlyName)), ("time_step", .int(30)), ("code_length", .int(6)), ("skew", .int(1))])),
            ("default_template_sid", .null), ("verify_event_subscription_enabled", .bool(false)),
            ("date_created", Self.date(s.createdAt)), ("date_updated", Self.date(s.updatedAt)), ("url", .string(url)),
            ("links", .object([("verification_checks", .string(url + "/VerificationCheck")),
                               ("verifications", .string(url + "/Verifications"))])),
        ])
    }

    /// Twilio's statuses for the engine's.
    static func status(_ r: VerifyRequest) -> String {
        switch r.status {
        case .inProgress: return "pending"
        case .success: return "approved"
        case .cancelled: return "canceled"
        case .expired: return "expired"
        case .failed: return "failed"
        }
    }

    private func json(_ v: TwilioVerify.Verification, _ call: TwilioCall, status: String? = nil) -> JSONValue {
        let r = v.request
        let channel = v.note.channel.rawValue
        let updated = r.finalizedAt ?? r.lastEventAt ?? r.createdAt
        return .object([
            ("sid", .string(v.note.sid)), ("service_sid", .string(v.note.serviceSID)), ("account_sid", .string(call.accountSID)),
            ("to", .string(r.number)), ("channel", .string(channel)), ("status", .string(status ?? Self.status(r))),
            ("valid", .bool(r.status == .success)),
            ("lookup", .object([])), ("amount", r.payment.map { .string($0.amount) } ?? .null),
            ("payee", r.payment.map { .string($0.payee) } ?? .null),
            // Attempt sids are `VL` + the engine's event id.
            ("send_code_attempts", .array(r.events.filter { $0.status != .failed }.map { e in
                .object([("attempt_sid", .string("VL" + e.eventID.lowercased())), ("channel", .string(channel)),
                         ("time", Self.date(e.createdAt))])
            })),
            ("date_created", Self.date(r.createdAt)), ("date_updated", Self.date(updated)), ("sna", .null),
            ("url", .string(baseURL + "/v2/Services/\(v.note.serviceSID)/Verifications/\(v.note.sid)")),
        ])
    }
}
