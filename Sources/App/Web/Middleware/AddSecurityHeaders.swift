import HTTP

/// The security headers every response carries, whether page, asset, API answer, redirect
/// or error (`SecurityHeaders`).
struct AddSecurityHeaders: Middleware {
    let secureCookies: Bool
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        var response = try next.respond(to: &exchange)
        SecurityHeaders.apply(to: &response, secure: exchange.request.isSecure || secureCookies)
        return response
    }
}
