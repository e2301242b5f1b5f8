import HTTP

/// No route at this path (404), or none for this verb (405, with `Allow`): the error page.
struct UnroutedPages: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        guard let context = exchange.context else { return try next.respond(to: &exchange) }
        switch exchange.match {
        case .found(let route):
            exchange.label = route.label
            return try next.respond(to: &exchange)
        case .notFound:
            exchange.label = "not_found"
            return try context.render("errors/show", title: "Not found", status: 404,
                                      ["heading": "Page not found", "detail": "There is nothing at this address."])
        case .methodNotAllowed(let allowed):
            exchange.label = "method_not_allowed"
            var response = try context.render("errors/show", title: "Method not allowed", status: 405,
                                              ["heading": "Method not allowed",
                                               "detail": "This page does not accept \(exchange.method) requests."])
            response.headers.set("Allow", allowed.joined(separator: ", "))
            return response
        }
    }
}
