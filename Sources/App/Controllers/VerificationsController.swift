import HTTP
import Support
import Templates

/// The PIN step (the second factor). Reached only with a half-logged-in session.
public struct VerificationsController: Controller {
    public static let name = "verifications"
    public static let beforeActions = [BeforeAction(.requireLogin), BeforeAction(.redirectIfVerified)]

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// Sends the one PIN that starts the unverified state (after login or sign-up).
    static func sendFirstCode(context: RequestContext, session: Session, user: User) throws -> HTTPResponse {
        switch try context.app.pins.issue(session: session, user: user, now: context.now, throttle: false) {
        case .sent:
            context.flash(.notice, "We've texted a code to \(Redact.phone(user.number)).")
        case .deliveryFailed, .throttled:
            context.flash(.alert, "We couldn't send your code — try again.")
        }
        return context.redirect(to: "/verification/new")
    }

    /// GET /verification/new: shows the form. Never sends anything, so reloading is free.
    func new() throws -> HTTPResponse {
        try page(status: 200, error: nil)
    }

    /// POST /verification: checks the code.
    func create() throws -> HTTPResponse {
        guard let session = context.session else { return context.redirect(to: "/session/new") }
        switch try context.app.pins.check(code: context.params["code"], session: session, now: context.now) {
        case .verified(let verified, let token):
            context.adoptSession(verified, token: token)
            Log.info("PIN verified for user \(verified.userID)")
            context.flash(.notice, "You're logged in.")
            return context.redirect(to: "/")
        case .malformed:
            return try page(status: 422, error: "Enter the \(PinService.digits)-digit code from the text message.")
        case .wrong(let triesLeft):
            Log.info("wrong PIN for user \(session.userID)")
            let tries = triesLeft == 1 ? "1 try" : "\(triesLeft) tries"
            return try page(status: 422, error: "That code isn't right. You have \(tries) left.")
        case .tooManyAttempts, .expired, .noCode:
            // The page itself explains the state and offers a new code.
            return try page(status: 422, error: nil)
        }
    }

    /// POST /verification/resend: "Send a new code", at most once per interval.
    func resend() throws -> HTTPResponse {
        guard let session = context.session, let user = context.user else { return context.redirect(to: "/session/new") }
        switch try context.app.pins.issue(session: session, user: user, now: context.now, throttle: true) {
        case .sent:
            context.flash(.notice, "We've texted a new code to \(Redact.phone(user.number)).")
        case .throttled(let seconds):
            context.flash(.alert, "Please wait \(seconds) second\(seconds == 1 ? "" : "s") before asking for another code.")
        case .deliveryFailed:
            context.flash(.alert, "We couldn't send your code — try again.")
        }
        return context.redirect(to: "/verification/new")
    }

    /// The PIN page in whatever state the session's newest code is in.
    private func page(status: Int, error: String?) throws -> HTTPResponse {
        guard let session = context.session, let user = context.user else { return context.redirect(to: "/session/new") }
        let latest = try context.app.database.read { try Verification.latest(sessionID: session.id, in: $0) }
        var locals: [String: TemplateValue] = [
            "masked_number": .string(Redact.phone(user.number)),
            "digits": .int(PinService.digits),
        ]
        switch latest {
        case .some(let v) where v.status == .pending && !v.isExpired(now: context.now):
            locals["can_enter_code"] = true
            let minutes = max(1, Int((v.expiresAt - context.now + 59) / 60))
            locals["expires_in"] = .string(minutes == 1 ? "1 minute" : "\(minutes) minutes")
        case .some(let v) where v.status == .failed:
            locals["problem"] = "That was too many wrong codes, so this one no longer works. Ask for a new code below."
        case .some(let v) where v.status == .pending:
            locals["problem"] = "That code has expired. Ask for a new code below."
        default:
            locals["problem"] = "There is no code waiting for you. Ask for one below."
        }
        if let error { locals["error"] = .string(error) }
        return try context.render("verifications/new", title: "Enter your code", status: status, locals)
    }
}
