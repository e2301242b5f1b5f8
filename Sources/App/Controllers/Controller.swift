import HTTP

/// A Rails-style controller: one instance per request, built around its context,
/// with before-action filters declared per controller and run in order.
public protocol Controller {
    static var name: String { get }
    static var beforeActions: [BeforeAction] { get }
    /// True (the default) for pages: cookie session, CSRF on every non-GET, form bodies only.
    /// API controllers answer false and authenticate each request themselves.
    static var usesBrowserSession: Bool { get }
    init(_ context: RequestContext)
}

extension Controller {
    public static var beforeActions: [BeforeAction] { [] }
    public static var usesBrowserSession: Bool { true }

    /// The filters that guard `action`, in declaration order.
    static func filters(for action: String) -> [Filter] {
        beforeActions.filter { $0.applies(to: action) }.map(\.filter)
    }
}

/// `before_action :filter, only: [...]` / `except: [...]`.
public struct BeforeAction: Sendable {
    public let filter: Filter
    public let only: Set<String>?
    public let except: Set<String>

    public init(_ filter: Filter, only: Set<String>? = nil, except: Set<String> = []) {
        self.filter = filter; self.only = only; self.except = except
    }

    func applies(to action: String) -> Bool {
        (only?.contains(action) ?? true) && !except.contains(action)
    }
}
