/// Why a request was refused before reaching the responder: the status to answer with,
/// a short reason for the plain-text body, and what little is known for the access log.
struct RequestError: Error, Equatable {
    var status: Int
    var reason: String
    var method: String?
    var path: String?

    static func badRequest(_ reason: String) -> RequestError {
        RequestError(status: 400, reason: "Bad request: \(reason)")
    }
}
