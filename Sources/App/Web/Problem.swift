import HTTP

/// An RFC 7807 problem body as Vonage's v2 APIs answer errors: `type`, `title`, `detail`,
/// `instance` (here the request's id, which our logs carry), and for validation failures
/// `invalid_parameters` (name and reason of each). Wording follows Vonage's Verify v2 answers
/// (the SDKs' test fixtures: vonage-python-sdk verify/tests/data/*.json).
struct Problem: Error, Equatable {
    struct InvalidParameter: Equatable { let name: String; let reason: String }

    let status: Int
    let kind: String
    let title: String
    let detail: String
    var invalidParameters: [InvalidParameter] = []
    /// Vonage's 409 for a concurrent start names the live request.
    var requestID: String?

    static func invalid(_ name: String, _ reason: String) -> Problem {
        Problem(status: 422, kind: "invalid-params", title: "Invalid params",
                detail: "The value of one or more parameters is invalid",
                invalidParameters: [InvalidParameter(name: name, reason: reason)])
    }
    static let unauthorized = Problem(status: 401, kind: "unauthorized", title: "Unauthorized",
                                      detail: "You did not provide correct credentials.")
    static let throttled = Problem(status: 429, kind: "throttled", title: "Rate Limit Hit",
                                   detail: "Please wait, then retry your request")
    static func notFound(_ id: String) -> Problem {
        Problem(status: 404, kind: "not-found", title: "Not Found",
                detail: "Request '\(id)' was not found or it has been verified already.")
    }
    static let wrongCode = Problem(status: 400, kind: "bad-request", title: "Invalid Code",
                                   detail: "The code you provided does not match the expected value.")
    static let tooManyWrongCodes = Problem(status: 410, kind: "gone", title: "Invalid Code",
                                           detail: "An incorrect code has been provided too many times. Workflow terminated.")
    static let noMoreEvents = Problem(status: 409, kind: "conflict", title: "Conflict",
                                      detail: "There are no more events left to trigger.")
    static let internalError = Problem(status: 500, kind: "internal-error", title: "Internal Error",
                                       detail: "Something went wrong.")

    func response(instance: String) -> HTTPResponse {
        var pairs: [(String, JSONValue)] = [
            ("type", .string("https://developer.nexmo.com/api-errors#\(kind)")),
            ("title", .string(title)), ("detail", .string(detail)), ("instance", .string(instance)),
        ]
        if !invalidParameters.isEmpty {
            pairs.append(("invalid_parameters", .array(invalidParameters.map {
                .object([("name", .string($0.name)), ("reason", .string($0.reason))])
            })))
        }
        if let requestID { pairs.append(("request_id", .string(requestID))) }
        var response = JSONValue.object(pairs).response(status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
