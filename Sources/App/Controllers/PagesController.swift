import HTTP
import Support

/// The protected pages: only for sessions that passed both factors.
public struct PagesController: Controller {
    public static let name = "pages"
    public static let beforeActions = [BeforeAction(.requireLogin), BeforeAction(.requireVerifiedPin)]

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /
    func index() throws -> HTTPResponse {
        guard let user = context.user else { return context.redirect(to: "/session/new") }
        return try context.render("pages/index", title: "Your account", [
            "username": .string(user.username),
            "masked_number": .string(Redact.phone(user.number)),
        ])
    }
}
