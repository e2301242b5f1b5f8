import Foundation
import HTTP
import Security
import TestSupport

/// Vonage's hosted Verify v1 API on 127.0.0.1: a `FakeProvider` (which records every request
/// and takes scripted answers per path) whose behaviour is Vonage's as documented:
/// `/verify/json` makes a request and a PIN (the test reads it here, as the user would on the
/// phone), `/verify/check/json` answers 0, 16 or, at the third wrong code, 17; a second request
/// to a number in progress gets 10 with the live request's id; `/verify/control/json` answers 0.
/// A test can script the next answers per path (errors, 5xx) ahead of that behaviour.
final class FakeVonageVerify: @unchecked Sendable {
    typealias Reply = FakeProvider.Reply

    let apiKey: String
    let apiSecret: String
    private let lock = NSLock()
    private var pins: [String: String] = [:]            // request_id → PIN
    private var wrong: [String: Int] = [:]
    private var issued: [(number: String, id: String)] = []
    private var provider: FakeProvider!

    init(apiKey: String = "vonage-key-1", apiSecret: String = "vonage-secret-1") throws {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        provider = try FakeProvider { [unowned self] request in self.respond(to: request) }
    }

    var baseURL: String { provider.baseURL.absoluteString }

    func stop() { provider.stop() }

    /// Lets one delayed scripted reply answer now.
    func release() { provider.release() }

    /// The next answers to `path`, before the documented behaviour resumes.
    func script(_ path: String, _ replies: [Reply]) { provider.script(path, replies) }

    var requests: [HTTPRequest] { provider.requests }

    func requests(to path: String) -> [HTTPRequest] { provider.requests(to: path) }

    /// The form fields of every request to `path`, oldest first.
    func forms(_ path: String) -> [[String: String]] { requests(to: path).map(FakeProvider.form) }

    /// The PIN of the newest request Vonage made.
    var lastPIN: String? {
        let form = requests(to: "/verify/json").last.map(FakeProvider.form)
        lock.lock(); defer { lock.unlock() }
        guard let form, let id = issued.last(where: { $0.number == form["number"] })?.id else { return nil }
        return pins[id]
    }

    /// The id of the newest request Vonage made.
    var lastRequestID: String? { lock.lock(); defer { lock.unlock() }; return issued.last?.id }

    private func respond(to request: HTTPRequest) -> HTTPResponse {
        lock.lock(); defer { lock.unlock() }
        let form = FakeProvider.form(request)
        guard request.method == "POST", form["api_key"] == apiKey, form["api_secret"] == apiSecret else {
            return Self.answer(200, #"{"status":"4","error_text":"Bad Credentials"}"#)
        }
        switch request.path {
        case "/verify/json":
            guard let number = form["number"], !number.isEmpty, number.allSatisfy(\.isNumber) else {
                return Self.answer(200, #"{"status":"3","error_text":"Invalid value for param: number"}"#)
            }
            // One request in progress per number, as Vonage enforces (status 10 names it).
            if let live = issued.last(where: { $0.number == number && pins[$0.id] != nil }) {
                return Self.answer(200, #"{"request_id":"\#(live.id)","status":"10","error_text":"Concurrent verifications to the same number are not allowed"}"#)
            }
            let id = Hex.encode(SecureRandom.bytes(16))
            pins[id] = SecureRandom.digits(Int(form["code_length"] ?? "4") ?? 4)
            issued.append((number, id))
            return Self.answer(200, #"{"request_id":"\#(id)","status":"0"}"#)
        case "/verify/check/json":
            let id = form["request_id"] ?? ""
            guard let pin = pins[id] else {
                return Self.answer(200, #"{"request_id":"\#(id)","status":"6","error_text":"The Vonage platform was unable to process this message for the following reason: Request '\#(id)' was not found or it has been verified already."}"#)
            }
            if form["code"] == pin {
                pins[id] = nil
                return Self.answer(200, #"{"request_id":"\#(id)","event_id":"0A00000012345678","status":"0","price":"0.10000000","currency":"EUR","estimated_price_messages_sent":"0.03330000"}"#)
            }
            wrong[id, default: 0] += 1
            if wrong[id]! >= 3 {
                pins[id] = nil
                return Self.answer(200, #"{"request_id":"\#(id)","status":"17","error_text":"The wrong code was provided too many times"}"#)
            }
            return Self.answer(200, #"{"request_id":"\#(id)","status":"16","error_text":"The code provided does not match the expected value"}"#)
        case "/verify/control/json":
            let id = form["request_id"] ?? "", cmd = form["cmd"] ?? ""
            guard pins[id] != nil, ["cancel", "trigger_next_event"].contains(cmd) else {
                return Self.answer(200, #"{"status":"6","error_text":"The requestId '\#(id)' does not exist or its no longer active."}"#)
            }
            if cmd == "cancel" { pins[id] = nil }
            return Self.answer(200, #"{"status":"0","command":"\#(cmd)"}"#)
        default:
            return Self.answer(404, #"{"error":"no such path"}"#)
        }
    }

    private static func answer(_ status: Int, _ json: String) -> HTTPResponse { FakeProvider.answer(status, json) }
}
