import Foundation
import HTTP
import Security
import Support
import Templates
import Verify

/// "Log in with a code instead" (PASSWORDLESS_LOGIN=on): a phone number, then the PIN the
/// Verify engine texts to it (a voice call follows if unanswered), then a fully verified
/// session for the number's owner — or, when the owner has an authenticator app, a
/// half-logged-in one that still needs the app's code (see `appSecondStep`). An unknown number sees exactly the same pages and gets
/// **no** text (we pay per SMS, and SMS-pumping fraud targets forms like this one) unless
/// PASSWORDLESS_SIGNUP=on, when a right code creates an account for the number.
///
/// Throttles: sends by the engine's SendThrottle (per number and per IP); code guesses by
/// the login regulation (per account and per IP), exactly like passwords. A throttled send
/// shows the same page as a sent one, so the page never tells whether a number has an account.
public struct PasswordlessController: Controller {
    public static let name = "passwordless"
    public enum Action: String { case new, create, code, verify }
    static let cookieName = "twofa_passwordless"

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /passwordless/new
    static func new(_ guest: Guest.ReadOnly) throws -> HTTPResponse {
        try numberForm(guest.context, number: "", error: nil)
    }

    /// POST /passwordless: texts a code if the number has an account (or sign-up is on).
    func create(_: Guest) throws -> HTTPResponse {
        let app = context.app
        let typed = context.params["number"]
        let number: String
        switch PhoneNumber.normalize(typed) {
        case .success(let normalized): number = normalized
        case .failure(let problem): return try Self.numberForm(context.readOnly, number: typed, error: problem.description, status: 422)
        }
        // Decided by the number alone, before the owner is looked up: the answer tells nothing about accounts.
        if let problem = TextedCode.countryProblem(number, app: app) {
            return try Self.numberForm(context.readOnly, number: typed, error: problem, status: 422)
        }
        let owner = try app.database.read { try User.find(number: number, in: $0) }
        let earlier = try pendingLogin()   // read for every request alike: the time tells nothing
        let ip = context.clientIP, now = context.now
        // Counted per address whether or not the number has an account (UntoldRequestLimit);
        // over the limit nothing is sent, and the page is the same.
        let (token, allowed) = try app.database.write(lockingOn: UntoldRequestLimit.lockKeys(ip: ip)) { db in
            let allowed = try UntoldRequestLimit.allows(ip: ip, now: now, config: app.config, in: db)
            return (try PasswordlessLogin.create(number: number, verifyRequestID: nil, ip: ip, now: now, in: db), allowed)
        }
        if !allowed {
            app.metrics.untoldRequestThrottled(VerifyStart.WebFlow.passwordless.rawValue)
            Log.info("passwordless login request over the per-address limit: nothing sent")
        } else if owner != nil || app.config.passwordlessSignup {
            var start = VerifyStart.web(number: number, config: app.config, flow: .passwordless)
            start.toVerifiedNumber = owner?.numberVerifiedAt != nil
            // This browser's own earlier code to the number may be superseded; another visitor's never is.
            if let earlier, earlier.number == number { start.replacesRequestID = earlier.verifyRequestID }
            // The code is asked for off this request's thread, whatever the engine (Vonage's
            // start is itself a round trip to the provider): a known number is answered in the
            // same time as an unknown one, for which nothing is sent at all.
            let code = start, ownerID = owner?.id
            let userAgent = context.request.headers["User-Agent"] ?? ""
            app.afterResponse.run {
                Self.send(code, forLogin: token, ownerID: ownerID, app: app, ip: ip, userAgent: userAgent, now: now)
            }
        } else {
            Log.info("passwordless login for an unknown number \(Redact.phone(number)): nothing sent")
        }
        return UntoldCode.naming(context.redirect(to: "/passwordless/code"), cookie: Self.cookieName, token: token, context: context)
    }

    /// Starts the code's request and ties it to the pending login, after the page has answered
    /// (so with the values the audit needs, not the finished request's context). Throttled or
    /// undeliverable: nothing changes on the page (see the type's comment).
    private static func send(_ start: VerifyStart, forLogin token: String, ownerID: Int64?, app: Application,
                             ip: String, userAgent: String, now: Int64) {
        do {
            let requestID = try app.verify.start(start, accountID: TextedCode.accountID, ip: ip, now: now)
            try app.database.write { db in
                try PasswordlessLogin.link(token: token, verifyRequestID: requestID, in: db)
                if let ownerID {
                    try AuditLog.record(.pinSent, userID: ownerID, detail: PinActivity.detail(start.workflow.events[0], to: start.number),
                                        ip: ip, userAgent: userAgent, now: now, in: db)
                }
            }
        } catch let error as VerifyError {
            Log.info("passwordless code to \(Redact.phone(start.number)) not sent: \(error.status)")
        } catch {
            Log.error("passwordless code to \(Redact.phone(start.number)) not sent: \(error)")
        }
    }

    /// GET /passwordless/code
    func code(_: Guest) throws -> HTTPResponse {
        guard let pending = try pendingLogin() else { return context.redirect(to: "/passwordless/new") }
        return try codePage(pending, status: 200, error: nil)
    }

    /// POST /passwordless/code: a right code logs in the number's owner (or signs up).
    func verify(_: Guest) throws -> HTTPResponse {
        let app = context.app, ip = context.clientIP, now = context.now
        guard let pending = try pendingLogin() else {
            context.flash(.alert, "That code request has ended. Please start again.")
            return context.redirect(to: "/passwordless/new")
        }
        let digits = TextedCode.length
        guard let typed = TextedCode.entered(context.params["code"], digits: digits) else {
            return try codePage(pending, status: 422, error: "Enter the \(digits)-digit code we sent you.")
        }
        // Every refusal below is counted on the pending row and answered from it (see `UntoldCode`).
        guard !UntoldCode.isOver(pending, context: context) else { return try codePage(pending, status: 422, error: nil) }
        let owner = try app.database.read { try User.find(number: pending.number, in: $0) }
        guard let (attempt, lockedNow) = try UntoldCode.admitGuess(owner: owner, what: "passwordless code", context: context) else {
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        guard let requestID = pending.verifyRequestID else {
            // Nothing was sent: every guess is wrong.
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        if let refusal = try TextedCode.check(typed, requestID: requestID, to: pending.number, sentBy: nil,
                                               auditFor: owner?.id, context: context) {
            if let owner, refusal.wasGuess, lockedNow { context.audit(.accountLocked, userID: owner.id) }
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        try app.database.write { db in
            if let owner {
                // Only this attempt is taken back: a code proves the phone, not the password, so the
                // password failures, ban and in-a-row count stay.
                try app.regulation.codeAccepted(attempt: attempt, userID: owner.id, ip: ip, now: now, in: db)
            } else {
                try app.regulation.abandoned(attempt: attempt, userID: nil, ip: ip, now: now, in: db)
            }
            try pending.delete(in: db)
        }
        let user: User
        if let owner {
            user = owner
            context.audit(.loginSucceeded, userID: user.id, detail: "passwordless")
        } else if app.config.passwordlessSignup, let created = try signUp(number: pending.number) {
            user = created
            context.audit(.registered, userID: user.id, detail: "passwordless sign-up")
            context.audit(.pinVerified, userID: user.id, detail: PinActivity.detail(nil, to: pending.number))
        } else {
            // The number changed hands while the code was on its way.
            context.flash(.alert, "We couldn't log you in with that number. Please start again.")
            return context.redirect(to: "/passwordless/new")
        }
        if let secondStep = try appSecondStep(user: user) { return endingPendingLogin(secondStep) }
        // No authenticator app: a brand-new session, verified at once: the code was the proof.
        let session = try context.startSession(for: user)
        let (verified, token) = try app.database.write { db in
            try User.markNumberVerified(userID: user.id, now: now, in: db)
            return try session.verified(now: now, in: db)
        }
        context.adoptSession(verified, token: token, user: user)
        KnownDevice.issue(context: context, userID: user.id, passwordDigest: user.passwordDigest)
        Log.info("passwordless login ok for user \(user.id)")
        context.flash(.notice, owner == nil
            ? "Welcome! Your account \(user.username) is ready. You log in with a code sent to your phone."
            : "You're logged in.")
        return endingPendingLogin(context.redirect(to: "/"))
    }

    /// With an authenticator app on, the texted code is only the first factor (SMS is the weaker,
    /// SIM-swappable one): the session starts half-logged-in, marked `.phone`, and the second-factor
    /// step then takes only the app's code or a recovery code — never another text to the same phone.
    /// Nil when the user has no app (the code alone logs in, as before).
    ///
    /// A remembered device still skips the app code. Deliberately: the cookie says "this browser
    /// already passed the second factor" (it is only issued after one), so texted code + remembered
    /// browser is two factors — the same bargain as password + remembered browser. Forgetting the
    /// device (or changing the password) takes it back.
    private func appSecondStep(user: User) throws -> HTTPResponse? {
        let app = context.app, now = context.now
        guard try app.database.read({ try TOTPCredential.isEnabled(userID: user.id, in: $0) }) else { return nil }
        let session = try context.startSession(for: user, firstFactor: .phone)
        try app.database.write { try User.markNumberVerified(userID: user.id, now: now, in: $0) }
        if let skipped = try LoginFlow.skipIfRemembered(PendingSecondFactor(context: context, session: session, user: user)) {
            return skipped
        }
        Log.info("passwordless code ok for user \(user.id); authenticator app code next")
        context.flash(.notice, "Code accepted. Now enter the code from your authenticator app.")
        return context.redirect(to: "/verification/new")
    }

    /// The pending login is over, whatever comes next: its cookie goes.
    private func endingPendingLogin(_ response: HTTPResponse) -> HTTPResponse {
        UntoldCode.ending(response, cookie: Self.cookieName, context: context)
    }

    // MARK: Sign-up

    /// An account for a number just proven by its code. The username is generated
    /// (`user-` + 10 random characters); the password digest is a bcrypt of 32 random
    /// bytes nobody knows, so no password logs in until the owner sets one.
    private func signUp(number: String) throws -> User? {
        let app = context.app
        let digest = try app.passwords.hash(SecureRandom.token(byteCount: 32))
        for _ in 0..<3 {
            let username = "user-" + Hex.encode(SecureRandom.bytes(5))
            do {
                return try app.database.write { db in
                    // Proven by the code just entered: verified from the start, so the unique
                    // index on verified numbers decides a race with another sign-up.
                    let user = try User.create(username: username, number: number, passwordDigest: digest, now: context.now,
                                               numberVerifiedAt: context.now, in: db)
                    try User.setHasPassword(false, userID: user.id, in: db)
                    return user
                }
            } catch User.CreateFailure.usernameTaken {
                continue
            } catch User.CreateFailure.numberTaken {
                return try app.database.read { try User.find(number: number, in: $0) }
            }
        }
        return nil
    }

    // MARK: Pages

    private func pendingLogin() throws -> PasswordlessLogin? {
        guard let token = context.cookie(Self.cookieName), !token.isEmpty else { return nil }
        return try context.app.database.read { try PasswordlessLogin.find(token: token, in: $0) }
    }

    private func wrongCode(_ pending: PasswordlessLogin, wrongChecks: Int) throws -> HTTPResponse {
        try codePage(pending, status: 422, wrongChecks: wrongChecks,
                     error: UntoldCode.wrongCodeMessage(pending, wrongChecks: wrongChecks, context: context))
    }

    /// The same page whether or not a code was sent (see `UntoldCode`).
    private func codePage(_ pending: PasswordlessLogin, status: Int, wrongChecks: Int? = nil, error: String?) throws -> HTTPResponse {
        var locals = try UntoldCode.pageLocals(pending, wrongChecks: wrongChecks, error: error, context: context)
        locals["masked_number"] = .string(Redact.phone(pending.number))
        return try context.render("passwordless/code", title: "Enter your code", status: status, locals)
    }

    private static func numberForm(_ context: ReadOnlyContext, number: String, error: String?, status: Int = 200) throws -> HTTPResponse {
        var locals: TemplateContext = ["number": .string(number)]
        if let error { locals["error"] = .string(error) }
        return try context.render("passwordless/new", title: "Log in with a code", status: status, locals)
    }
}
