import HTTP
import Security

/// GET /metrics in Prometheus text format.
///
/// Protected: the counters tell an attacker how well an attack is going, so only a
/// scraper on the same machine (loopback, and not relayed by a reverse proxy, which would
/// add X-Forwarded-For / Forwarded) may read them — through a trusted proxy (TRUSTED_PROXIES)
/// the client the proxy names is judged instead — or anyone sending
/// `Authorization: Bearer $METRICS_TOKEN` when that is set. In production only the token
/// counts: a reverse proxy on the same host need not add any forwarding header, and then
/// every outside request would look local. Everyone else gets a plain 404, as if there
/// were nothing here.
public struct MetricsController: Controller {
    public static let name = "metrics"
    public static let usesBrowserSession = false
    public enum Action: String { case show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    func show() throws -> HTTPResponse {
        let config = context.app.config
        guard Self.mayRead(context.request, token: config.metricsToken,
                           trustLoopback: config.environment != .production,
                           proxies: context.app.clientAddresses) else {
            return .text("Not found\n", status: 404)
        }
        var response = HTTPResponse.text(context.app.metrics.render())
        response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        return response
    }

    static func mayRead(_ request: HTTPRequest, token: String, trustLoopback: Bool = true,
                        proxies: ClientAddressResolver = ClientAddressResolver(trusted: [])) -> Bool {
        if !token.isEmpty, let header = request.headers["Authorization"], header.hasPrefix("Bearer ") {
            // Hashes first, so not even the token's length shows in the timing.
            let given = Digest.sha256(Array(header.dropFirst("Bearer ".count).utf8))
            if ConstantTime.equals(given, Digest.sha256(Array(token.utf8))) { return true }
        }
        guard trustLoopback else { return false }
        let relayed = ["X-Forwarded-For", "Forwarded", "X-Real-IP"].contains { request.headers[$0] != nil }
        // Relayed: local only if a trusted proxy named the client (already in `remoteAddress`);
        // an untrusted relay, or a trusted one naming nobody, hides who is asking.
        if relayed && proxies.resolve(peer: request.peerAddress, headers: request.headers)?.client == nil { return false }
        return isLoopback(request.remoteAddress)
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
