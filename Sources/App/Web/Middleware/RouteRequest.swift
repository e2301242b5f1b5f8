import HTTP

/// Matches the route (the path looked up once) and sends the exchange down the API stack
/// for API controllers (API keys, no cookies, no CSRF, JSON bodies), down the browser stack
/// otherwise (including the 404 and 405 pages).
struct RouteRequest: Middleware {
    let router: Router
    let browser: any Middleware
    let api: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        exchange.routesAtPath = router.routes(at: exchange.request.path)
        exchange.match = Router.choose(exchange.method, from: exchange.routesAtPath)
        if let route = exchange.route, !route.usesBrowserSession {
            exchange.label = route.label
            return try api.respond(to: &exchange)
        }
        return try browser.respond(to: &exchange)
    }
}
