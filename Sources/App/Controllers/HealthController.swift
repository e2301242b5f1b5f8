import HTTP
import Support

/// GET /healthz for load balancers and orchestrators: 200 "ok" when the database answers
/// a query, 503 otherwise. No session, no cookies, nothing personal.
public struct HealthController: Controller {
    public static let name = "health"
    public static let usesBrowserSession = false
    public enum Action: String { case show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    func show() throws -> HTTPResponse {
        do {
            _ = try context.app.database.read { try $0.queryOne("SELECT 1 AS ok") }
            return .text("ok\n")
        } catch {
            Log.warning("health check: database unreachable: \(error)")
            return .text("database unreachable\n", status: 503)
        }
    }
}
