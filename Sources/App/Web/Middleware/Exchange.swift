import HTTP

/// One request on its way through the middleware: what the steps before have settled (the
/// route, the verb after `_method`, the parsed parameters, the page context) for the steps
/// after. A struct passed `inout`: it lives on the stack of the thread answering.
struct Exchange {
    let request: HTTPRequest
    /// The verb after the `_method` override.
    var method: String
    /// `controller#action` for logs and /metrics (`assets`, `not_found`… when there is none).
    var label = "unrouted"
    /// The routes drawn at this path, by verb: looked up once, then chosen from by verb.
    var routesAtPath: RoutesAtPath?
    var match: Router.Match = .notFound
    var query: [(String, String)] = []
    var form: [(String, String)] = []
    /// Set by `PageContext` / `APIBody`: the context the action runs with.
    var context: RequestContext?

    init(_ request: HTTPRequest) {
        self.request = request
        method = request.method
    }

    var route: Route? {
        if case .found(let route) = match { return route }
        return nil
    }

    var params: Parameters { Parameters(form: form, query: query) }
}
