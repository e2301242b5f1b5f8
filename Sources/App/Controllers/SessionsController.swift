import HTTP
import Security
import Support
import Templates

/// Logging in with the password (the first factor) and logging out.
public struct SessionsController: Controller {
    public static let name = "sessions"
    public enum Action: String { case new, create, destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /session/new
    static func new(_ guest: Guest.ReadOnly) throws -> HTTPResponse {
        try form(guest.context, username: "", error: nil)
    }

    /// POST /session: password check; on success a new session (half-logged-in) and a PIN.
    func create(_: Guest) throws -> HTTPResponse {
        let username = context.params["username"].trimmingWhitespace()
        let password = context.params["password"]
        let app = context.app
        try app.passwords.checkRoom()   // a full pool answers 503 before any database work
        var user = try app.database.read { try User.find(username: username, in: $0) }
        // A held password reset whose time has come takes effect before the password is checked.
        var resetHeld = false
        if let found = user { (user, resetHeld) = try PasswordResetting.settleHeld(found, context: context) }
        let refused = "That username and password don't match an account."
        // An unknown username still costs one bcrypt at the configured cost (PasswordHasher),
        // so both failures take as long and look alike from outside.
        switch try RegulatedPassword.check(password, against: user?.passwordDigest, userID: user?.id, context: context) {
        case .refused:
            // Banned or locked: the real digest is never tried, but one bcrypt still runs at the
            // configured cost and the answer is the wrong-password one, so nothing tells a
            // refusal from a wrong password, or an existing account from an unknown one.
            _ = try app.passwords.verify(password, against: nil)
            context.audit(.loginThrottled, userID: user?.id)
            Log.info("login refused by the regulation")
            return try form(username: username, error: refused, status: 422)
        case .wrong(let lockedNow):
            Log.info("login failed")
            context.audit(.loginFailed, userID: user?.id)
            if lockedNow, let user { context.audit(.accountLocked, userID: user.id) }
            return try form(username: username, error: refused, status: 422)
        case .right:
            break
        }
        guard let user else { return try form(username: username, error: refused, status: 422) }  // .right needs a user
        if app.passwords.needsRehash(user.passwordDigest) { renewDigest(of: user, password: password) }
        context.audit(.loginSucceeded, userID: user.id)
        // The current password cancels a held reset (a SIM swapper has the texts, not the password).
        let cancelledReset = try resetHeld && PasswordResetting.cancelHeld(for: user, context: context)
        let session = try context.startSession(for: user)
        Log.info("login ok for user \(user.id); second factor next")
        // A remembered device, an authenticator app, or else the texted PIN (LoginFlow).
        let next = try LoginFlow.begin(PendingSecondFactor(context: context, session: session, user: user))
        if cancelledReset { context.flash(.alert, PasswordResetting.cancelledMessage) }   // says more than "code sent"
        return next
    }

    /// DELETE /session: the row goes, so the old cookie is worthless.
    func destroy() throws -> HTTPResponse {
        if let user = context.user { context.audit(.logout, userID: user.id) }
        try context.endSession()
        context.flash(.notice, "You have logged out.")
        return context.redirect(to: "/session/new")
    }

    /// A digest that matched but is due for renewal (a Rails `$2a$` one, or another cost) becomes
    /// a `$2b$` one at today's cost. Best effort: if the bcrypt pool is full, the next login tries again.
    private func renewDigest(of user: User, password: String) {
        let app = context.app
        do {
            let digest = try app.passwords.hash(password)
            try app.database.write { try User.renewDigest(of: user, with: digest, in: $0) }
        } catch {
            Log.info("password digest of user \(user.id) not renewed this time: \(error)")
        }
    }

    private func form(username: String, error: String, status: Int) throws -> HTTPResponse {
        try Self.form(context.readOnly, username: username, error: error, status: status)
    }

    static func form(_ context: ReadOnlyContext, username: String, error: String?, status: Int = 200) throws -> HTTPResponse {
        var locals: TemplateContext = ["username": .string(username),
                                               "passwordless": .bool(context.config.passwordlessLogin)]
        // Issue 17: "Sign in with a passkey" and autofill, run by the page script.
        if context.config.passkeys.login {
            locals["passkey_login"] = .bool(true)
            locals["script"] = .string(context.assetPath("passkeys.js"))
            locals["rp_id"] = .string(context.config.passkeys.rpID)
        }
        if let error { locals["error"] = .string(error) }
        return try context.render("sessions/new", title: "Log in", status: status, locals)
    }
}
