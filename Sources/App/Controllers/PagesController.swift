import HTTP
import Support

/// The protected pages: only for sessions that passed both factors.
public struct PagesController: Controller {
    public static let name = "pages"
    public enum Action: String { case index }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /
    static func index(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        let user = signedIn.user
        return try signedIn.context.render("pages/index", title: "Your account", [
            "username": .string(user.username),
            "masked_number": .string(Redact.phone(user.number)),
        ])
    }
}
