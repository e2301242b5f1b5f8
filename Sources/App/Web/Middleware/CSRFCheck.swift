import HTTP
import Support

/// Every request that changes something (not GET or HEAD) carries the form's CSRF token (or
/// `X-CSRF-Token`); without a valid one it gets the 403 "form has expired" page.
struct CSRFCheck: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let method = exchange.method
        if method != "GET" && method != "HEAD", let context = exchange.context, !context.hasValidCSRFToken() {
            Log.warning("CSRF token missing or invalid for \(method) \(exchange.request.path)")
            return try context.render("errors/show", title: "Forbidden", status: 403, [
                "heading": "This form has expired",
                "detail": "For your security the form could not be accepted. Go back, reload the page and try again.",
            ])
        }
        return try next.respond(to: &exchange)
    }
}
