import HTTP
import Support

/// An action that fails answers with a page (`ErrorResponses.page`): the busy page when the
/// bcrypt pool is full, the 500 page otherwise.
struct PageErrors: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        do {
            return try next.respond(to: &exchange)
        } catch let error as BlockingGuard.WouldBlock {
            throw error
        } catch {
            guard let route = exchange.route, let context = exchange.context else { throw error }
            return try ErrorResponses.page(route, context: context, failedWith: error)
        }
    }
}
