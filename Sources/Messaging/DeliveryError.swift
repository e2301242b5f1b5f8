/// Why a provider did not take a text or a call. The app shows every case the same way
/// ("We couldn't send your code — try again"); the cases are for logs and tests.
/// Descriptions never hold message bodies, credentials or full phone numbers.
public enum DeliveryError: Error, Equatable, CustomStringConvertible {
    /// The provider refused (4xx, or an error in a 2xx answer); retrying would not help.
    case rejected(status: Int, reason: String)
    /// The provider kept answering "try later" (5xx, or its own temporary error code).
    case unavailable(reason: String, attempts: Int)
    /// No answer within the per-request timeout, on the last attempt.
    case timedOut(attempts: Int)
    /// The connection failed (refused, reset, DNS, TLS).
    case network(reason: String, attempts: Int)
    /// A success status, but not the answer the provider documents.
    case badResponse(reason: String)
    /// The request could not be built (for example the call's JWT could not be signed).
    case unsent(reason: String)

    public var description: String {
        switch self {
        case .rejected(let status, let reason): return "provider refused the request (HTTP \(status)): \(reason)"
        case .unavailable(let reason, let attempts): return "provider unavailable after \(attempts) attempt\(attempts == 1 ? "" : "s") (\(reason))"
        case .timedOut(let attempts): return "provider did not answer in time (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case .network(let reason, let attempts): return "cannot reach the provider: \(reason) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case .badResponse(let reason): return "unexpected answer from the provider: \(reason)"
        case .unsent(let reason): return "request not sent: \(reason)"
        }
    }
}
