import HTTP

/// `/assets/…`: the stylesheet and images, from memory, before any routing.
struct ServeAssets: Middleware {
    let assets: StaticAssets
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        if exchange.request.path.hasPrefix("/assets/"), let asset = assets.respond(to: exchange.request) {
            exchange.label = "assets"
            return asset
        }
        return try next.respond(to: &exchange)
    }
}
