import HTTP
import Support

/// The session named by the cookie, and its user (an expired one is ended). A route that is not
/// quick is handed to a worker first: a POST tried on the event loop may turn out, by its
/// `_method`, to mean an action that is not quick.
struct LoadSession: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        if let route = exchange.route, !route.quick { try BlockingGuard.check() }
        try exchange.context?.loadSession()
        return try next.respond(to: &exchange)
    }
}
