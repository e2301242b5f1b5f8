import HTTP

/// The end of both stacks: the route's gate, then its action.
struct RunAction: Middleware {
    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        guard let route = exchange.route, let context = exchange.context else {
            preconditionFailure("RunAction reached without a route and a context")
        }
        return try route.call(context)
    }
}
