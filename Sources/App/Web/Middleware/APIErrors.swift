import HTTP

/// An API action that fails answers as Vonage does, HTTP 200 with status 5 (`ErrorResponses.api`).
struct APIErrors: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        do {
            return try next.respond(to: &exchange)
        } catch {
            guard let route = exchange.route else { throw error }
            return ErrorResponses.api(route, failedWith: error)
        }
    }
}
