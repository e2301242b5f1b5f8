import HTTP

/// Makes the page's `RequestContext` (parameters, flash, CSRF secret) and, on the way out,
/// adds its cookies and the no-store header to whatever page answers.
struct PageContext: Middleware {
    unowned let app: Application
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let context = RequestContext(request: exchange.request, method: exchange.method, params: exchange.params, app: app)
        exchange.context = context
        var response = try next.respond(to: &exchange)
        context.finish(&response)
        return response
    }
}
