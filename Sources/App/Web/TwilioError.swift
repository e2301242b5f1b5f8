import HTTP
import Verify

/// An error answered in Twilio's REST shape: `{"code","message","more_info","status"}` with the
/// HTTP status repeated in the body. Codes and statuses are Twilio's documented ones
/// (https://www.twilio.com/docs/api/errors/<code>).
struct TwilioError: Error, Equatable {
    let code: Int
    let status: Int
    let message: String

    init(code: Int, status: Int, message: String) { self.code = code; self.status = status; self.message = message }

    func response() -> HTTPResponse {
        var response = JSONValue.object([
            ("code", .int(Int64(code))), ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")), ("status", .int(Int64(status))),
        ]).response(status: status)
        if code == 20003 { response.headers.set("WWW-Authenticate", "Basic realm=\"Twilio API\"") }
        return response
    }

    /// The metrics label of a refusal: `twilio_<code>`.
    var metricsReason: String { "twilio_\(code)" }

    static let authenticate = TwilioError(code: 20003, status: 401, message: "Authenticate")
    static let tooManyRequests = TwilioError(code: 20429, status: 429, message: "Too Many Requests")
    static let internalError = TwilioError(code: 20500, status: 500, message: "Internal Server Error")
    static let maxChecks = TwilioError(code: 60202, status: 429, message: "Max check attempts reached")
    static let maxSends = TwilioError(code: 60203, status: 429, message: "Max send attempts reached")
    static let concurrent = TwilioError(code: 60212, status: 429, message: "Too many concurrent requests for phone number")
    static let blocked = TwilioError(code: 60605, status: 403, message: "Verification delivery attempt blocked")

    static func notFound(_ path: String) -> TwilioError {
        TwilioError(code: 20404, status: 404, message: "The requested resource \(path) was not found")
    }
    /// Twilio's 60200, naming the parameter.
    static func invalid(_ name: String) -> TwilioError {
        TwilioError(code: 60200, status: 400, message: "Invalid parameter: \(name)")
    }

    /// The engine's refusals in Twilio's terms.
    init(_ error: VerifyError, path: String) {
        switch error.status {
        case .throttled, .quotaExceeded: self = .maxSends
        case .concurrent: self = .concurrent
        case .unsupportedNetwork: self = .blocked
        case .tooManyWrongCodes: self = .maxChecks
        case .notFound, .searchNotFound, .controlRefused: self = .notFound(path)
        case .missingParameter, .invalidParameter:
            // "Invalid value for param: code" → the Twilio parameter's name.
            let name = error.text.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            self = .invalid(name == "code" ? "Code" : name.isEmpty ? "To" : name)
        default: self = .internalError
        }
    }
}
