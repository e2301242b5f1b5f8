import Database
import Foundation
import HTTP
import Security
import Support
import Verify

/// The Verify JSON API, wire-compatible with Vonage (Nexmo) Verify v1, so a backend
/// using a Vonage SDK works by changing only its API host and credentials.
/// GET or POST; form or JSON bodies; `api_key`/`api_secret` as parameters or HTTP Basic.
/// Every answer is HTTP 200 with a Vonage `status` string, as Vonage does.
public struct VerifyAPIController: Controller {
    public static let name = "verify_api"
    public static let usesBrowserSession = false
    public enum Action: String { case request, check, search, control, openapi, psd2 }
    /// We charge nothing; the fields are there because SDK models expect them.
    static let price = "0.00000000", currency = "EUR"

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }
    var params: Parameters { context.params }

    /// /verify/json: starts a request.
    func request(_ call: ApiCall) throws -> HTTPResponse {
        try start(call, VerifyStart.parse, brandGiven: true)
    }

    /// /verify/psd2/json: starts a PSD2 payment's request; its texts name the payee and the
    /// amount, and its code proves that payment only.
    func psd2(_ call: ApiCall) throws -> HTTPResponse {
        try start(call, VerifyStart.parsePSD2, brandGiven: false)
    }

    /// Both starts: the parameters read by `parse`, then the engine. `brandGiven`: a refused
    /// brand is counted (PSD2 requests have none).
    private func start(_ call: ApiCall, _ parse: ((String) -> String?) throws -> VerifyStart, brandGiven: Bool) throws -> HTTPResponse {
        let client = call.client
        do {
            let start = try parse { params.has($0) ? params[$0] : nil }
            try Self.admitCustomCode(start, client: client, context: context)
            let id = try context.app.verify.start(start, accountID: client.apiKey, ip: "", now: context.now)
            return JSONValue.object([("request_id", .string(id)), ("status", .string("0"))]).response()
        } catch let error as VerifyError {
            if brandGiven, error.status == .invalidParameter, VerifyStart.brandProblem(params["brand"]) != nil {
                context.app.metrics.refused("verify_brand")
            }
            return error.response(includeRequestID: true)
        }
    }

    /// /verify/check/json
    func check(_ call: ApiCall) throws -> HTTPResponse {
        let client = call.client
        do {
            let id = try required("request_id"), code = try required("code")
            let eventID = try context.app.verify.check(requestID: id, code: code, accountID: client.apiKey,
                                                       ip: params["ip_address"], now: context.now)
            return JSONValue.object([
                ("request_id", .string(id)), ("event_id", .string(eventID)), ("status", .string("0")),
                ("price", .string(Self.price)), ("currency", .string(Self.currency)),
                ("estimated_price_messages_sent", .string(Self.price)),
            ]).response()
        } catch let error as VerifyError {
            return error.response(includeRequestID: !error.requestID.isEmpty)
        }
    }

    /// /verify/search/json: one `request_id`, or up to 10 `request_ids`.
    func search(_ call: ApiCall) throws -> HTTPResponse {
        let client = call.client
        let many = params.all("request_ids").filter { !$0.isEmpty }
        let one = params["request_id"]
        if many.count > 10 {
            return VerifyError(.tooManyRequestIDs, "Too many request_ids provided").response(includeRequestID: false)
        }
        if many.isEmpty && one.isEmpty { return VerifyError.missing("request_id").response(includeRequestID: false) }
        let ids = many.isEmpty ? [one] : many
        var found: [JSONValue] = []
        for id in ids {
            if let r = try context.app.verify.search(requestID: id, accountID: client.apiKey, now: context.now) {
                found.append(Self.json(r))
            }
        }
        if found.isEmpty {
            var pairs: [(String, JSONValue)] = []
            if many.isEmpty { pairs.append(("request_id", .string(one))) }
            pairs += [("status", .string(VerifyStatus.searchNotFound.rawValue)), ("error_text", .string("No response found"))]
            return JSONValue.object(pairs).response()
        }
        return many.isEmpty ? found[0].response() : JSONValue.object([("verification_requests", .array(found))]).response()
    }

    /// /verify/control/json: cmd=cancel | trigger_next_event.
    func control(_ call: ApiCall) throws -> HTTPResponse {
        let client = call.client
        do {
            let id = try required("request_id"), command = try required("cmd")
            let engine = context.app.verify
            switch command {
            case "cancel": try engine.cancel(requestID: id, accountID: client.apiKey, now: context.now)
            case "trigger_next_event": try engine.triggerNextEvent(requestID: id, accountID: client.apiKey, ip: "", now: context.now)
            default: throw VerifyError.invalid("cmd")
            }
            return JSONValue.object([("status", .string("0")), ("command", .string(command))]).response()
        } catch let error as VerifyError {
            return error.response(includeRequestID: false)
        }
    }

    /// GET /verify/openapi.json: the description of this API (docs/openapi.json).
    func openapi() throws -> HTTPResponse {
        guard let data = FileManager.default.contents(atPath: context.app.config.root + "/docs/openapi.json") else {
            return JSONValue.object([("error", .string("docs/openapi.json is missing"))]).response(status: 404)
        }
        var response = HTTPResponse(status: 200, body: [UInt8](data))
        response.headers.set("Content-Type", "application/json")
        return response
    }

    // MARK: Helpers

    /// A `pin_code` from a client not allowed custom codes: status 20, as Vonage answers.
    static func admitCustomCode(_ start: VerifyStart, client: ApiClient, context: RequestContext) throws {
        guard start.customCode != nil, !client.customCodes else { return }
        context.app.metrics.refused("verify_custom_code")
        throw VerifyError.customCodeNotAllowed
    }

    private func required(_ name: String) throws -> String {
        let value = params[name]
        guard !value.isEmpty else { throw VerifyError.missing(name) }
        return value
    }

    /// A request as Vonage's search shows it. Dates are UTC "YYYY-MM-DD HH:MM:SS".
    static func json(_ r: VerifyRequest) -> JSONValue {
        func date(_ t: Int64?) -> JSONValue { t.map { .string(VerifyDate.format($0)) } ?? .null }
        return .object([
            ("request_id", .string(r.requestID)),
            ("account_id", .string(r.accountID)),
            ("number", .string(String(r.number.dropFirst(r.number.hasPrefix("+") ? 1 : 0)))),
            ("sender_id", .string(r.senderID)),
            ("date_submitted", date(r.createdAt)),
            ("date_finalized", date(r.finalizedAt)),
            ("checks", .array(r.checks.map { c in
                .object([("date_received", date(c.dateReceived)), ("code", c.code.map(JSONValue.string) ?? .null),
                         ("status", .string(c.status.rawValue)), ("ip_address", .string(c.ipAddress))])
            })),
            ("first_event_date", date(r.firstEventAt)),
            ("last_event_date", date(r.lastEventAt)),
            ("price", .string(price)),
            ("currency", .string(currency)),
            ("status", .string(r.status.rawValue)),
            ("estimated_price_messages_sent", .string(price)),
            ("events", .array(r.events.map { .object([("type", .string($0.kind.rawValue)), ("id", .string($0.eventID))]) })),
        ])
    }
}

extension VerifyError {
    /// `{"request_id":…,"status":…,"error_text":…}` as Vonage answers, HTTP 200.
    func response(includeRequestID: Bool) -> HTTPResponse {
        var pairs: [(String, JSONValue)] = []
        if includeRequestID { pairs.append(("request_id", .string(requestID))) }
        pairs += [("status", .string(status.rawValue)), ("error_text", .string(text))]
        return JSONValue.object(pairs).response()
    }
}
