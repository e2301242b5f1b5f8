import HTTP
import Security
import Support
import Templates

/// The second-factor step for people with an authenticator app: after the password they are
/// asked for the app's code first ("Text me a code instead" starts the SMS flow on the Verify
/// engine, which `VerificationsController` runs), or a recovery code. A remembered device skips
/// the step. Every way ends the same: the session is marked verified with a new token, so
/// the `signedIn` gate lets it through. Wrong codes count in `SecondFactorRegulation`.
/// A session opened by a passwordless code (`firstFactor == .phone`) gets only the app and
/// recovery codes here: no texted PIN, as the phone was its first factor.
public struct SecondFactorController: Controller {
    public static let name = "second_factor"
    public enum Action: String { case totp, recovery }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    // MARK: After the password

    /// What follows a correct password: a remembered device → logged in; an authenticator app
    /// → its code (nothing is texted until the user asks); otherwise the texted PIN.
    static func begin(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let context = pending.context, session = pending.session, user = pending.user, app = context.app
        if let device = try rememberedDevice(context: context, user: user) {
            try app.database.write { try RememberedDevice.touch(id: device.id, now: context.now, in: $0) }
            return try complete(context: context, session: session, user: user, event: .rememberedDeviceUsed, remember: false)
        }
        if try app.database.read({ try TOTPCredential.isEnabled(userID: user.id, in: $0) }) {
            return context.redirect(to: "/verification/new")
        }
        return try VerificationsController.sendFirstCode(pending)
    }

    /// The live remembered device this browser's cookie names for `user`, if any.
    static func rememberedDevice(context: RequestContext, user: User) throws -> RememberedDevice? {
        guard let cookie = context.request.cookies[RememberedDevice.cookieName], !cookie.isEmpty else { return nil }
        let app = context.app
        return try app.database.read {
            try RememberedDevice.find(cookie: cookie, userID: user.id, keys: app.keys, now: context.now, in: $0)
        }
    }

    /// Marks the session verified (new token), remembers the device when asked, and goes home.
    static func complete(context: RequestContext, session: Session, user: User, event: AuditEvent.Kind,
                         detail: String = "", remember: Bool) throws -> HTTPResponse {
        let (verified, token) = try context.app.database.write { try session.verified(now: context.now, in: $0) }
        context.adoptSession(verified, token: token)
        Log.info("second factor (\(event.rawValue)) accepted for user \(user.id)")
        context.audit(event, userID: user.id, detail: detail)
        if remember { try rememberDevice(context: context, user: user) }
        context.flash(.notice, "You're logged in.")
        return context.redirect(to: "/")
    }

    /// Issues the 30-day cookie for "Remember this device" and its row.
    static func rememberDevice(context: RequestContext, user: User) throws {
        let app = context.app
        let value = try app.database.write {
            try RememberedDevice.create(userID: user.id, ip: context.clientIP, userAgent: context.request.headers["User-Agent"] ?? "",
                                        keys: app.keys, now: context.now, in: $0)
        }
        var cookie = Cookie(name: RememberedDevice.cookieName, value: value)
        cookie.maxAge = Int(RememberedDevice.lifetime)
        context.setCookie(cookie)
        context.audit(.deviceRemembered, userID: user.id, detail: UserAgentSummary.describe(context.request.headers["User-Agent"] ?? ""))
    }

    /// Whether the form's "Remember this device for 30 days" box is ticked.
    static func wantsRemember(_ context: RequestContext) -> Bool { context.params["remember"] == "1" }

    // MARK: The page

    /// The authenticator-app (or recovery-code) form, when that is what this session should see:
    /// asked for with `?via=app` / `?via=recovery`, or by default when the user has an app and
    /// has not asked for a text. Always, when the session began with a passwordless code (there is
    /// no text to fall back to). Nil: show the texted-PIN page.
    static func pageIfPreferred(_ pending: PendingSecondFactor) throws -> HTTPResponse? {
        let context = pending.context, session = pending.session, user = pending.user
        let via = context.params["via"], phoneFirst = session.firstFactor == .phone
        guard phoneFirst || via != "sms",
              try context.app.database.read({ try TOTPCredential.isEnabled(userID: user.id, in: $0) }) else { return nil }
        if !phoneFirst, via.isEmpty,
           try context.app.database.read({ try Session.verifyRequestID(sessionID: session.id, in: $0) }) != nil {
            return nil  // they asked for a text: that page, with a way back to the app
        }
        return try page(pending, recovery: via == "recovery", status: 200, error: nil)
    }

    /// Why a session opened by a passwordless code gets no texted code at the second step.
    static let noSecondTextMessage = "You logged in with a code texted to your phone, so this step needs your "
        + "authenticator app or a recovery code — another text to the same phone would prove nothing new."

    /// The answer to asking for (or entering) a texted PIN from a session whose first factor was
    /// the phone: a 403 with the app's form and the reason. Nil for any other session.
    static func refuseTextAfterPhone(_ pending: PendingSecondFactor) throws -> HTTPResponse? {
        let context = pending.context, session = pending.session
        guard session.firstFactor == .phone else { return nil }
        Log.info("texted PIN refused for user \(session.userID): the session began with a passwordless code")
        return try page(pending, recovery: false, status: 403, error: noSecondTextMessage)
    }

    static func page(_ pending: PendingSecondFactor, recovery: Bool, status: Int, error: String?) throws -> HTTPResponse {
        let context = pending.context
        let phoneFirst = pending.session.firstFactor == .phone
        var locals: [String: TemplateValue] = ["recovery": .bool(recovery), "phone_first": .bool(phoneFirst)]
        if let error { locals["error"] = .string(error) }
        return try context.render("second_factor/new", title: recovery ? "Use a recovery code" : "Enter your code",
                                  status: status, locals)
    }

    // MARK: Actions

    /// POST /verification/totp: the authenticator app's current code.
    func totp(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try check(pending, recovery: false)
    }

    /// POST /verification/recovery: one of the recovery codes (spent by using it).
    func recovery(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try check(pending, recovery: true)
    }

    private func check(_ pending: PendingSecondFactor, recovery: Bool) throws -> HTTPResponse {
        let session = pending.session, user = pending.user, app = context.app, now = context.now
        let regulation = SecondFactorRegulation(maxPerSession: app.config.pinMaxAttempts, login: app.regulation)
        let typed = context.params["code"]
        if recovery ? RecoveryCode.normalize(typed) == nil : !isSixDigits(typed) {
            let message = recovery ? "Enter one of your recovery codes: 10 letters and digits, like ABCDE-FGH23."
                                   : "Enter the 6-digit code from your authenticator app."
            return try Self.page(pending, recovery: recovery, status: 422, error: message)
        }
        // Refusal, check and failure in one write transaction: parallel guesses from one session
        // are counted one after another, so none gets past the session or account limit.
        enum Verdict { case refused(SecondFactorRegulation.Refusal), accepted, wrong(SecondFactorRegulation.Outcome) }
        let verdict: Verdict = try app.database.write { db in
            if let refusal = try regulation.refusal(userID: user.id, session: session, now: now, in: db) { return .refused(refusal) }
            let accepted: Bool
            if recovery {
                accepted = try RecoveryCode.use(typed, userID: user.id, keys: app.keys, now: now, in: db)
            } else if let credential = try TOTPCredential.find(userID: user.id, keys: app.keys, in: db), credential.isEnabled {
                accepted = try credential.accept(typed, now: now, in: db)
            } else {
                accepted = false
            }
            if accepted { return .accepted }
            return .wrong(try regulation.failed(userID: user.id, session: session, now: now, in: db))
        }
        let outcome: SecondFactorRegulation.Outcome
        switch verdict {
        case .refused(.account):
            // Banned or locked (wrong passwords or codes): nothing was checked, start over later.
            return try startOver(user: user, message: "Too many wrong attempts on this account. Please try again later.")
        case .refused(.session):
            return try startOver(user: user, message: "That was too many wrong codes. Please log in again.")
        case .wrong(let wrong):
            outcome = wrong
        case .accepted:
            if recovery {
                let left = try app.database.read { try RecoveryCode.remaining(userID: user.id, in: $0) }
                let response = try Self.complete(context: context, session: session, user: user, event: .recoveryCodeUsed,
                                                 detail: "\(left) left", remember: Self.wantsRemember(context))
                context.flash(.notice, "You're logged in with a recovery code. You have \(left) recovery code\(left == 1 ? "" : "s") left"
                              + (left <= 3 ? " — make a new set on the Two-factor page." : "."))
                return response
            }
            return try Self.complete(context: context, session: session, user: user, event: .totpVerified,
                                     remember: Self.wantsRemember(context))
        }
        context.audit(recovery ? .recoveryCodeFailed : .totpFailed, userID: user.id)
        switch outcome {
        case .sessionOver:
            return try startOver(user: user, message: "That was too many wrong codes. Please log in again.")
        case .triesLeft(let left):
            let what = recovery ? "That recovery code isn't right or has been used." : "That code isn't right."
            return try Self.page(pending, recovery: recovery, status: 422,
                                 error: "\(what) You have \(left == 1 ? "1 try" : "\(left) tries") left.")
        }
    }

    private func startOver(user: User, message: String) throws -> HTTPResponse {
        try context.endSession()
        context.flash(.alert, message)
        return context.redirect(to: "/session/new")
    }

    private func isSixDigits(_ typed: String) -> Bool {
        let code = typed.filter { $0 != " " }
        return code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
