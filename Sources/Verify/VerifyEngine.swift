/// The Verify service behind the web app's PIN step and the JSON API. `builtin` runs it
/// here (BuiltinVerifyEngine); `vonage` forwards the same calls to Vonage's hosted API
/// (VonageVerifyEngine).
/// Failures the API reports as a status are thrown as `VerifyError`.
public protocol VerifyEngine: Sendable {
    /// Creates a request and fires its first event; returns the request id.
    func start(_ start: VerifyStart, accountID: String, ip: String, now: Int64) throws -> String
    /// Checks a code; returns the id of the event that delivered it.
    func check(requestID: String, code: String, accountID: String, ip: String, now: Int64) throws -> String
    /// The request with its events and checks, or nil when unknown to this account.
    func search(requestID: String, accountID: String, now: Int64) throws -> VerifyRequest?
    func cancel(requestID: String, accountID: String, now: Int64) throws
    /// Cancels a request in progress whenever asked (Vonage Verify v2's DELETE, which has none of
    /// v1's "not within 30 seconds, not after the second event" rules).
    func cancelAnytime(requestID: String, accountID: String, now: Int64) throws
    /// Fires the next event of the workflow now. `ip` as in `start` (empty for API callers).
    func triggerNextEvent(requestID: String, accountID: String, ip: String, now: Int64) throws
}

extension VerifyEngine {
    /// An engine that forwards to Vonage's v1 API can only cancel under v1's rules.
    public func cancelAnytime(requestID: String, accountID: String, now: Int64) throws {
        try cancel(requestID: requestID, accountID: accountID, now: now)
    }
}
