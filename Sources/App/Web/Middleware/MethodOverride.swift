import HTTP

/// Browsers can only POST; a form's `_method` field carries the verb it means (the Rails
/// convention): PATCH, PUT or DELETE. The route is then chosen again among those at the path.
struct MethodOverride: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        if exchange.method == "POST",
           let override = exchange.form.first(where: { $0.0 == "_method" })?.1.uppercased(),
           ["PATCH", "PUT", "DELETE"].contains(override) {
            exchange.method = override
            exchange.match = Router.choose(override, from: exchange.routesAtPath)
        }
        return try next.respond(to: &exchange)
    }
}
