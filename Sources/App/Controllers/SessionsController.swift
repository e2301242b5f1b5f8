import HTTP
import Security
import Support
import Templates

/// Logging in with the password (the first factor) and logging out.
public struct SessionsController: Controller {
    public static let name = "sessions"
    public static let beforeActions = [BeforeAction(.redirectIfVerified, only: ["new", "create"])]

    /// Compared against when the username is unknown, so both failures cost one bcrypt
    /// and look alike from outside. Its password is random and thrown away.
    static let dummyDigest: String = (try? BCrypt.hash(SecureRandom.token(), cost: 4)) ?? ""

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /session/new
    func new() throws -> HTTPResponse {
        try form(username: "", error: nil)
    }

    /// POST /session: password check; on success a new session (half-logged-in) and a PIN.
    func create() throws -> HTTPResponse {
        let username = context.params["username"].trimmingWhitespace()
        let password = context.params["password"]
        let app = context.app
        let user = try app.database.read { try User.find(username: username, in: $0) }
        let digest = user?.passwordDigest ?? Self.dummyDigest
        guard BCrypt.verify(password, against: digest), let user else {
            Log.info("login failed")
            return try form(username: username, error: "That username and password don't match an account.", status: 422)
        }
        let session = try context.startSession(for: user)
        Log.info("login ok for user \(user.id); sending PIN")
        return try VerificationsController.sendFirstCode(context: context, session: session, user: user)
    }

    /// DELETE /session: the row goes, so the old cookie is worthless.
    func destroy() throws -> HTTPResponse {
        try context.endSession()
        context.flash(.notice, "You have logged out.")
        return context.redirect(to: "/session/new")
    }

    private func form(username: String, error: String?, status: Int = 200) throws -> HTTPResponse {
        var locals: [String: TemplateValue] = ["username": .string(username)]
        if let error { locals["error"] = .string(error) }
        return try context.render("sessions/new", title: "Log in", status: status, locals)
    }
}
