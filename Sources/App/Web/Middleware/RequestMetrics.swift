import Dispatch
import HTTP

/// Counts every answer for /metrics by route (`controller#action`, never the raw path, so the
/// label set stays small), status and time taken. An answer voided by `BlockingGuard` is not
/// counted: it is thrown past, and counted when it runs again on a worker.
struct RequestMetrics: Middleware {
    let metrics: Metrics
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = try next.respond(to: &exchange)
        metrics.observeRequest(route: exchange.label, status: response.status,
                               seconds: Double(DispatchTime.now().uptimeNanoseconds &- started) / 1e9)
        return response
    }
}
