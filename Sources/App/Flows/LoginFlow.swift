import HTTP
import Support
import Templates

/// What follows the first factor (a password, or a passwordless code when the account has an
/// authenticator app), up to a verified session: a remembered device skips the second factor;
/// an authenticator app is asked for first (nothing is texted until the user asks); otherwise a
/// code is texted. Every way ends in `complete`: the session is marked verified with a new
/// token, so the `signedIn` gate lets it through. The controllers of the second-factor step
/// (`AppCodeStepController`, `TextedCodeStepController`) call these; none calls another.
enum LoginFlow {
    /// After a right password (or a sign-up): a remembered device → logged in; an authenticator
    /// app → its form; otherwise the first texted code.
    static func begin(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let context = pending.context, app = context.app
        // After an operator's reset a number must be proven first: nothing goes to the old one.
        if try Check.redirectIfNumberReset(context, user: pending.user) != nil { return context.redirect(to: Check.newNumberStep) }
        if let response = try skipIfRemembered(pending) { return response }
        // Issue 17: a passkey is offered first (nothing texted until asked), unless a passkey
        // (without user verification) was the first factor.
        if app.config.passkeys.enabled, pending.session.firstFactor != .passkey,
           try app.database.read({ try Passkey.count(userID: pending.user.id, in: $0) }) > 0 {
            return context.redirect(to: "/verification/passkey")
        }
        if try app.database.read({ try TOTPCredential.isEnabled(userID: pending.user.id, in: $0) }) {
            return context.redirect(to: "/verification/new")
        }
        return try sendFirstCode(pending)
    }

    /// Sends the one code that starts the second-factor step (after login or sign-up).
    /// Reloading the code page afterwards sends nothing.
    static func sendFirstCode(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let outcome = try TextedCode.start(pending)
        TextedCode.announce(outcome, context: pending.context, user: pending.user, first: true)
        return pending.context.redirect(to: "/verification/new")
    }

    /// Logged in at once when this browser's remembered-device cookie is live for the user.
    static func skipIfRemembered(_ pending: PendingSecondFactor) throws -> HTTPResponse? {
        let context = pending.context
        guard let device = try rememberedDevice(context: context, user: pending.user) else { return nil }
        try context.app.database.write { try RememberedDevice.touch(id: device.id, now: context.now, in: $0) }
        return try complete(pending, event: .rememberedDeviceUsed, remember: false)
    }

    /// The live remembered device this browser's cookie names for `user`, if any.
    private static func rememberedDevice(context: RequestContext, user: User) throws -> RememberedDevice? {
        guard let cookie = context.cookie(RememberedDevice.cookieName), !cookie.isEmpty else { return nil }
        let app = context.app
        return try app.database.read {
            try RememberedDevice.find(cookie: cookie, userID: user.id, keys: app.keys, now: context.now, in: $0)
        }
    }

    /// Marks the session verified (new token), remembers the device when asked, and goes home.
    static func complete(_ pending: PendingSecondFactor, event: AuditEvent.Kind, detail: String = "",
                         remember: Bool) throws -> HTTPResponse {
        let context = pending.context, user = pending.user
        let (verified, token) = try context.app.database.write { try pending.session.verified(now: context.now, in: $0) }
        context.adoptSession(verified, token: token)
        KnownDevice.issue(context: context, userID: user.id, passwordDigest: user.passwordDigest)
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

    // MARK: The authenticator-app form

    /// The authenticator-app (or recovery-code) form, when that is what this session should see:
    /// asked for with `?via=app` / `?via=recovery`, or by default when the user has an app and
    /// has not asked for a text. Always, when the session began with a passwordless code (there is
    /// no text to fall back to). Nil: show the texted-code page.
    static func appPageIfPreferred(_ pending: PendingSecondFactor) throws -> HTTPResponse? {
        let context = pending.context, session = pending.session, user = pending.user
        let via = context.params["via"], phoneFirst = session.firstFactor == .phone
        guard phoneFirst || via != "sms",
              try context.app.database.read({ try TOTPCredential.isEnabled(userID: user.id, in: $0) }) else { return nil }
        if !phoneFirst, via.isEmpty,
           try context.app.database.read({ try Session.verifyRequestID(sessionID: session.id, in: $0) }) != nil {
            return nil  // they asked for a text: that page, with a way back to the app
        }
        return try appPage(pending, recovery: via == "recovery", status: 200, error: nil)
    }

    /// Why a session opened by a passwordless code gets no texted code at the second step.
    static let noSecondTextMessage = "You logged in with a code texted to your phone, so this step needs your "
        + "authenticator app or a recovery code — another text to the same phone would prove nothing new."

    /// The answer to asking for (or entering) a texted code from a session whose first factor was
    /// the phone: a 403 with the app's form and the reason. Nil for any other session.
    static func refuseTextAfterPhone(_ pending: PendingSecondFactor) throws -> HTTPResponse? {
        guard pending.session.firstFactor == .phone else { return nil }
        Log.info("texted PIN refused for user \(pending.session.userID): the session began with a passwordless code")
        return try appPage(pending, recovery: false, status: 403, error: noSecondTextMessage)
    }

    static func appPage(_ pending: PendingSecondFactor, recovery: Bool, status: Int, error: String?) throws -> HTTPResponse {
        let phoneFirst = pending.session.firstFactor == .phone
        var locals: TemplateContext = ["recovery": .bool(recovery), "phone_first": .bool(phoneFirst),
                                               "has_passkey": .bool(try PasskeyCeremony.offered(pending))]
        if let error { locals["error"] = .string(error) }
        return try pending.context.render("second_factor/new", title: recovery ? "Use a recovery code" : "Enter your code",
                                          status: status, locals)
    }
}
