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
    /// Cancels without Vonage v1's rules (not within 30 seconds, not after two events): the
    /// Twilio face and Vonage v2's DELETE, since both cancel any pending verification. The `vonage` engine can only
    /// ask Vonage, whose rules then apply.
    func cancelAtOnce(requestID: String, accountID: String, now: Int64) throws
    /// Marks a live request verified without a code: the Twilio face's `Status=approved`, for a
    /// request whose custom code the client checked itself. Refused (status 6) for any other.
    func approve(requestID: String, accountID: String, now: Int64) throws
    /// Fires the next event of the workflow now. `ip` as in `start` (empty for API callers).
    func triggerNextEvent(requestID: String, accountID: String, ip: String, now: Int64) throws
}

