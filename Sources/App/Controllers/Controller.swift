import HTTP

/// A Rails-style controller: one instance per request, built around its context. What an
/// action may assume is not declared here but in its signature: each route's `Gate` hands the
/// action a `Guest`, `PendingSecondFactor`, `SignedIn` or `ApiCall` (see Access/). A quick page
/// (`Router.page`) is a `static func` of `Guest.ReadOnly` or `SignedIn.ReadOnly` instead: no
/// instance is built for it, so it can only read (`ReadOnlyContext`).
public protocol Controller {
    /// The controller's actions, named as logs and /metrics label them (`users#edit`).
    associatedtype Action: RawRepresentable where Action.RawValue == String
    static var name: String { get }
    /// True (the default) for pages: cookie session, CSRF on every non-GET, form bodies only.
    /// API controllers answer false: they take the API stack, and their gate checks the API key.
    static var usesBrowserSession: Bool { get }
    /// True for an API controller that parses its own (nested JSON) body; false by default.
    static var readsOwnBody: Bool { get }
    init(_ context: RequestContext)
}

extension Controller {
    public static var usesBrowserSession: Bool { true }
    public static var readsOwnBody: Bool { false }
}
