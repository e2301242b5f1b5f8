import HTTP
import Templates

/// The account's security activity: the last 20 audit events.
public struct ActivitiesController: Controller {
    public static let name = "activities"
    public enum Action: String { case index }
    public static let shown = 20

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/activity
    static func index(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        let user = signedIn.user, context = signedIn.context
        let events = try context.read { try AuditEvent.recent(userID: user.id, limit: Self.shown, in: $0) }
        let rows: [TemplateValue] = events.map { e in
            [
                "what": .string(e.kind?.label ?? e.event),
                "detail": .string(e.detail),
                "warning": .bool(e.kind?.isWarning ?? false),
                "time": .string(Formatting.time(e.createdAt)),
                "ip": .string(e.ip.isEmpty ? "—" : e.ip),
                "browser": .string(UserAgentSummary.describe(e.userAgent)),
            ]
        }
        return try context.render("activities/index", title: "Account activity", [
            "events": .array(rows),
            "shown": .int(Self.shown),
        ])
    }
}
