import HTTP

/// One line of the route table: verb + path → controller#action behind its gate.
/// A class: every request carries its route around, and a reference is one retain.
public final class Route: Sendable {
    public let method: String
    public let path: String
    public let controller: String
    public let action: String
    /// The gate's checks in order (`requireLogin`, …), for `twofa routes`.
    public let checks: [String]
    /// False for API controllers: no session cookie, no CSRF check, JSON bodies accepted.
    public let usesBrowserSession: Bool
    /// An API action that parses its own body (nested JSON: Vonage Verify v2), so the API
    /// stack leaves the body alone instead of flattening it into parameters.
    public let readsOwnBody: Bool
    /// A page drawn with `Router.page`: its action only reads (`ReadOnlyContext`), so the
    /// event loop tries it itself, and hands it to a worker only if the session in front of
    /// it needs a write (see `BlockingGuard`).
    public let quick: Bool
    /// The action's first real work is a bcrypt (a login): while the bcrypt pool is full it
    /// is answered 503 on the event loop, before the session lookup, the CSRF check and the
    /// gate, so a storm of refused logins costs next to nothing.
    public let hashesPassword: Bool
    /// `controller#action`, the label of the route in logs and /metrics.
    public let label: String
    let handler: @Sendable (RequestContext) throws -> HTTPResponse

    init(method: String, path: String, controller: String, action: String, checks: [String],
         usesBrowserSession: Bool, readsOwnBody: Bool = false, quick: Bool, hashesPassword: Bool, handler: @escaping @Sendable (RequestContext) throws -> HTTPResponse) {
        self.method = method
        self.path = path
        self.controller = controller
        self.action = action
        self.checks = checks
        self.usesBrowserSession = usesBrowserSession
        self.readsOwnBody = readsOwnBody
        self.quick = quick
        self.hashesPassword = hashesPassword
        self.label = "\(controller)#\(action)"
        self.handler = handler
    }

    /// Runs the gate, then (if it lets the request through) the action.
    func call(_ context: RequestContext) throws -> HTTPResponse {
        try handler(context)
    }
}
