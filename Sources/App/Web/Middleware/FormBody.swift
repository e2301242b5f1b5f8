import HTTP

/// The query string, and a POST's form body (pages take only
/// application/x-www-form-urlencoded): malformed → 400, another media type → 415.
struct FormBody: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let request = exchange.request
        guard let query = FormURLEncoded.parse(request.query) else {
            return .text("Bad request: the query string is not valid URL encoding\n", status: 400)
        }
        exchange.query = query
        if request.method == "POST" {
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            if !request.body.isEmpty && !type.hasPrefix("application/x-www-form-urlencoded") {
                return .text("Unsupported media type: forms are sent as application/x-www-form-urlencoded\n", status: 415)
            }
            guard let pairs = FormURLEncoded.parse(request.body) else {
                return .text("Bad request: the form body is not valid URL encoding\n", status: 400)
            }
            exchange.form = pairs
        }
        return try next.respond(to: &exchange)
    }
}
