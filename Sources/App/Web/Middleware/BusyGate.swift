import HTTP

/// A route whose first real work is a bcrypt (a login), while the bcrypt pool is full, is
/// answered 503 at once: before the session lookup, the CSRF check and the gate, so a storm
/// of refused logins costs the event loops next to nothing.
struct BusyGate: Middleware {
    let passwords: PasswordHasher
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        if let route = exchange.route, route.hashesPassword {
            do {
                try passwords.checkRoom()
            } catch is PasswordHasher.Busy {
                exchange.label = route.label
                return ErrorResponses.busy
            }
        }
        return try next.respond(to: &exchange)
    }
}
