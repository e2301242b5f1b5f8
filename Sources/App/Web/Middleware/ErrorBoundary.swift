import HTTP
import Support

/// The last resort: an error no inner step answered becomes a 503 (database unreachable) or
/// 500 answer (`ErrorResponses`). An answer given while `BlockingGuard` tripped is void:
/// the request runs again on a worker.
struct ErrorBoundary: Middleware {
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try next.respond(to: &exchange)
        } catch let error as BlockingGuard.WouldBlock {
            throw error   // tried on the event loop; it runs again on a worker
        } catch {
            if BlockingGuard.hasTripped { throw BlockingGuard.WouldBlock() }
            response = ErrorResponses.request(exchange.request, failedWith: error)
        }
        // Something swallowed the guard's error: the answer is void all the same (and must
        // not be counted twice).
        if BlockingGuard.hasTripped { throw BlockingGuard.WouldBlock() }
        return response
    }
}
