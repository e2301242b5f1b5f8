import Database
import HTTP
import Security
import Support
import Templates
import Verify

/// "Forgot your password?": a username or number → a code texted to the account's **verified**
/// number → a new password (and, when the account has a stronger factor, that factor too).
///
/// Nothing tells whether an account exists or has a verified number: the answer, the page and
/// the time are the same, and the code is asked for after the page has answered (as for
/// passwordless login); for no account nothing is sent at all. Sends go through the Verify
/// engine's SendThrottle under their own purpose (`password_reset`); code guesses through the
/// login regulation (per account and per address), like passwords. Which account a reset is
/// for and whether its code was proven live in `password_resets`, named by the cookie's token.
///
/// A reset is not a login: it ends every session, and the user logs in afterwards with both
/// factors. A phone-only account reset from a browser it doesn't know is held back for
/// PASSWORD_RESET_HOLD (see `PasswordResetting` and docs/security.md).
public struct PasswordResetsController: Controller {
    public static let name = "password_resets"
    public enum Action: String { case new, create, code, verify, edit, update }
    static let cookieName = "twofa_password_reset"

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /password_reset/new
    static func new(_ guest: Guest.ReadOnly) throws -> HTTPResponse {
        try askForm(guest.context, login: "", error: nil)
    }

    /// POST /password_reset: texts a code if the username or number names an account with a verified number.
    func create(_: Guest) throws -> HTTPResponse {
        let app = context.app
        let typed = context.params["login"].trimmingWhitespace()
        guard !typed.isEmpty, typed.count <= 64 else {
            return try Self.askForm(context.readOnly, login: "", error: "Enter your username or your phone number.", status: 422)
        }
        let found = try app.database.read { try Self.account(named: typed, in: $0) }
        let earlier = try pendingReset()?.0   // read for every request alike: the time tells nothing
        let ip = context.clientIP, now = context.now
        // Counted per address whether or not an account was named (UntoldRequestLimit); over the
        // limit the reset is made for no account: the same page, nothing sent or recorded for it.
        let (token, allowed) = try app.database.write(lockingOn: UntoldRequestLimit.lockKeys(ip: ip)) { db in
            let allowed = try UntoldRequestLimit.allows(ip: ip, now: now, config: app.config, in: db)
            return (try PasswordReset.create(userID: allowed ? found?.id : nil, ip: ip, now: now, in: db), allowed)
        }
        app.metrics.passwordReset("requested")
        if !allowed { app.metrics.untoldRequestThrottled(VerifyStart.WebFlow.passwordReset.rawValue) }
        if let account = found, allowed {
            var start = VerifyStart.web(number: account.number, config: app.config, flow: .passwordReset)
            start.toVerifiedNumber = true
            // This browser's own earlier code for the account may be superseded; another visitor's never is.
            if let earlier, earlier.userID == account.id { start.replacesRequestID = earlier.verifyRequestID }
            // Off this request's thread: the page answers an account as fast as no account.
            let userAgent = context.request.headers["User-Agent"] ?? ""
            let userID = account.id, code = start
            app.afterResponse.run {
                Self.send(code, forReset: token, userID: userID, app: app, ip: ip, userAgent: userAgent, now: now)
            }
        } else if !allowed {
            Log.info("password reset request over the per-address limit: nothing sent")
        } else {
            Log.info("password reset for no account with a verified number: nothing sent")
        }
        return UntoldCode.naming(context.redirect(to: "/password_reset/code"), cookie: Self.cookieName, token: token, context: context)
    }

    /// The account a reset may be for: by username, else by number; only one whose number a
    /// code has proven (a reset code never goes to a number nobody proved).
    static func account(named typed: String, in db: DatabaseConnection) throws -> User? {
        if let user = try User.find(username: typed, in: db) { return user.numberVerifiedAt != nil ? user : nil }
        if case .success(let number) = PhoneNumber.normalize(typed) { return try User.find(number: number, in: db) }
        return nil
    }

    /// Starts the code's request and ties it to the reset, after the page has answered. The
    /// account's log gets the request only when a code went out (so at most the per-number send
    /// limit's worth per window): refused or failed sends are counted by the metrics alone, so a
    /// stranger's asks can't flood it.
    private static func send(_ start: VerifyStart, forReset token: String, userID: Int64, app: Application,
                             ip: String, userAgent: String, now: Int64) {
        do {
            let requestID = try app.verify.start(start, accountID: TextedCode.accountID, ip: ip, now: now)
            try app.database.write { db in
                try PasswordReset.link(token: token, verifyRequestID: requestID, in: db)
                try AuditLog.record(.passwordResetRequested, userID: userID, ip: ip, userAgent: userAgent, now: now, in: db)
                try AuditLog.record(.pinSent, userID: userID, detail: PinActivity.detail(start.workflow.events[0], to: start.number),
                                    ip: ip, userAgent: userAgent, now: now, in: db)
            }
            Log.info("password reset code sent for user \(userID)")
            return
        } catch let error as VerifyError {
            Log.info("password reset code to \(Redact.phone(start.number)) not sent: \(error.status)")
        } catch {
            Log.error("password reset code to \(Redact.phone(start.number)) not sent: \(error)")
        }
        app.metrics.passwordReset("unsent")
    }

    /// GET /password_reset/code
    func code(_: Guest) throws -> HTTPResponse {
        guard let (pending, _) = try pendingReset() else { return context.redirect(to: "/password_reset/new") }
        return try codePage(pending, status: 200, error: nil)
    }

    /// POST /password_reset/code: a right code lets the new password be chosen (for a while, once).
    func verify(_: Guest) throws -> HTTPResponse {
        let app = context.app, ip = context.clientIP, now = context.now
        guard let (pending, _) = try pendingReset() else { return ended() }
        let digits = TextedCode.length
        guard let typed = TextedCode.entered(context.params["code"], digits: digits) else {
            return try codePage(pending, status: 422, error: "Enter the \(digits)-digit code we sent you.")
        }
        // Every refusal below is counted on the pending row and answered from it (see `UntoldCode`).
        guard !UntoldCode.isOver(pending, context: context) else { return try codePage(pending, status: 422, error: nil) }
        let owner = try pending.userID.flatMap { id in try app.database.read { try User.find(id: id, in: $0) } }
        guard let (attempt, lockedNow) = try UntoldCode.admitGuess(owner: owner, what: "password reset code", context: context) else {
            app.metrics.passwordReset("throttled")
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        guard let owner, let requestID = pending.verifyRequestID else {
            // Nothing was sent: every guess is wrong.
            app.metrics.passwordReset("code_failed")
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        if let refusal = try TextedCode.check(typed, requestID: requestID, to: owner.number, sentBy: nil, auditFor: nil,
                                               context: context) {
            if refusal.wasGuess {
                context.audit(.passwordResetCodeFailed, userID: owner.id,
                              detail: PinActivity.detail(refusal.after?.lastEventKind, to: owner.number))
                if lockedNow { context.audit(.accountLocked, userID: owner.id) }
            }
            app.metrics.passwordReset("code_failed")
            return try wrongCode(pending, wrongChecks: try UntoldCode.countRefused(pending, context: context))
        }
        try app.database.write { db in
            // It proves the phone, not the password: only this attempt is taken back.
            try app.regulation.codeAccepted(attempt: attempt, userID: owner.id, ip: ip, now: now, in: db)
            try pending.markCodeProven(now: now, in: db)
        }
        context.audit(.passwordResetCodeAccepted, userID: owner.id, detail: PinActivity.detail(nil, to: owner.number))
        app.metrics.passwordReset("code_accepted")
        return context.redirect(to: "/password_reset/edit")
    }

    /// GET /password_reset/edit: the new password (and the stronger factor, when there is one).
    func edit(_: Guest) throws -> HTTPResponse {
        guard let (_, _, user) = try provenReset() else { return ended() }
        return try passwordForm(user, errors: ValidationErrors(), status: 200)
    }

    /// PATCH /password_reset: sets the new password, at once or held back (see the type's comment).
    func update(_: Guest) throws -> HTTPResponse {
        guard let (pending, token, user) = try provenReset() else { return ended() }
        let app = context.app, params = context.params, now = context.now
        var errors = ValidationErrors()
        User.validatePassword(params["password"], confirmation: params["password_confirmation"], into: &errors)
        if errors["password"] == nil,
           let problem = app.passwordPolicy.problem(password: params["password"], username: user.username, number: user.number) {
            errors.add("password", problem)
        }
        guard errors.isEmpty else { return try passwordForm(user, errors: errors, status: 422) }
        let factors = try app.database.read { try PasswordResetting.strongerFactors(of: user, in: $0) }
        for factor in factors {
            if let refused = try check(factor, user: user, pending: pending, token: token) { return refused }
        }
        let digest = try app.passwords.hash(params["password"])
        let knownDevice = KnownDevice.key(context: context, userID: user.id, passwordDigest: user.passwordDigest) != nil
        if factors.isEmpty, !knownDevice, app.config.passwordResetHold > 0 {
            return try hold(pending, user: user, digest: digest)
        }
        let applied = try app.database.write { db -> Bool in
            guard try pending.delete(in: db) else { return false }   // single use
            try PasswordResetting.apply(userID: user.id, digest: digest, now: now, in: db)
            return true
        }
        guard applied else { return ended() }
        // This browser was one of the account's: it stays one (its old cookie died with the old digest).
        if knownDevice { KnownDevice.issue(context: context, userID: user.id, passwordDigest: digest) }
        Log.info("password reset for user \(user.id)")
        context.audit(.passwordReset, userID: user.id,
                      detail: !factors.isEmpty ? "texted code and a second factor" : knownDevice ? "from a known browser" : "no hold")
        app.metrics.passwordReset("reset")
        PasswordResetting.tell(user.number, PasswordResetting.changedText(brand: app.config.brandName), app: app)
        context.flash(.notice, "Your password has been reset and every session of your account logged out. "
                      + "Log in with your new password.")
        return endingReset(context.redirect(to: "/session/new"))
    }

    /// A phone-only account, from a browser it doesn't know: the new password waits (PASSWORD_RESET_HOLD).
    private func hold(_ pending: PasswordReset, user: User, digest: String) throws -> HTTPResponse {
        let app = context.app, now = context.now
        let until = now + Int64(app.config.passwordResetHold)
        let held = try app.database.write { db -> Bool in
            guard try pending.delete(in: db) else { return false }
            try HeldPasswordReset.hold(userID: user.id, newDigest: digest, replacing: user.passwordDigest, until: until, now: now, in: db)
            return true
        }
        guard held else { return ended() }
        Log.info("password reset for user \(user.id) held until \(Formatting.time(until))")
        context.audit(.passwordResetHeld, userID: user.id, detail: "works from \(Formatting.time(until))")
        app.metrics.passwordReset("held")
        PasswordResetting.tell(user.number, PasswordResetting.heldText(brand: app.config.brandName, until: until), app: app)
        return endingReset(try context.render("password_resets/held", title: "Your new password is on its way", [
            "until": .string(Formatting.time(until)),
            "hold": .string(Self.describe(app.config.passwordResetHold)),
        ]))
    }

    // MARK: Stronger factors

    /// Checks the stronger `factor` the form asked for; nil when it was proven, else the answer.
    private func check(_ factor: PasswordResetting.StrongerFactor, user: User, pending: PasswordReset,
                       token: String) throws -> HTTPResponse? {
        switch factor {
        case .authenticatorApp: return try checkAppOrRecoveryCode(user: user, pending: pending, token: token)
        }
    }

    /// The authenticator app's code or a recovery code, regulated like the login's second step
    /// (`SecondFactorCheck`): PIN_MAX_ATTEMPTS wrong end this reset, and they count towards the account's limit.
    private func checkAppOrRecoveryCode(user: User, pending: PasswordReset, token: String) throws -> HTTPResponse? {
        let app = context.app
        let typed = context.params["second_factor_code"].trimmingWhitespace()
        let digits = typed.filter { $0 != " " }
        let isAppCode = digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
        guard isAppCode || RecoveryCode.normalize(typed) != nil else {
            context.audit(.passwordResetRefused, userID: user.id, detail: typed.isEmpty ? "no app or recovery code" : "malformed code")
            app.metrics.passwordReset("refused")
            return try refusedFactor(user, "Enter the 6-digit code from your authenticator app, or one of your recovery codes.")
        }
        let code: SecondFactorCheck.Code = isAppCode ? .app(digits) : .recovery(typed)
        let verdict = try SecondFactorCheck.run(code, user: user, triesKey: PasswordReset.secondFactorKey(token: token), context: context)
        switch verdict {
        case .accepted:
            context.audit(isAppCode ? .totpVerified : .recoveryCodeUsed, userID: user.id, detail: "password reset")
            return nil
        case .refused(let refusal):
            context.audit(.passwordResetRefused, userID: user.id,
                          detail: refusal == .account ? "too many wrong attempts on the account" : "too many wrong codes")
            app.metrics.passwordReset("refused")
            return try startOver(pending, refusal == .account ? "Too many wrong attempts on this account. Please try again later."
                                                              : "That was too many wrong codes. Please start again.")
        case .wrong(let outcome):
            context.audit(isAppCode ? .totpFailed : .recoveryCodeFailed, userID: user.id, detail: "password reset")
            context.audit(.passwordResetRefused, userID: user.id, detail: "wrong app or recovery code")
            app.metrics.passwordReset("refused")
            guard case .triesLeft(let left) = outcome else {
                return try startOver(pending, "That was too many wrong codes. Please start again.")
            }
            let what = isAppCode ? "That code isn't right." : "That recovery code isn't right or has been used."
            return try refusedFactor(user, TriesLeft.message(what, left: left))
        }
    }

    private func refusedFactor(_ user: User, _ message: String) throws -> HTTPResponse {
        var errors = ValidationErrors()
        errors.add("second_factor_code", message)
        return try passwordForm(user, errors: errors, status: 422)
    }

    private func startOver(_ pending: PasswordReset, _ message: String) throws -> HTTPResponse {
        _ = try context.app.database.write { try pending.delete(in: $0) }
        context.flash(.alert, message)
        return endingReset(context.redirect(to: "/password_reset/new"))
    }

    // MARK: The reset in progress

    /// The reset this browser's cookie names, with its token.
    private func pendingReset() throws -> (PasswordReset, String)? {
        guard let token = context.cookie(Self.cookieName), !token.isEmpty,
              let pending = try context.app.database.read({ try PasswordReset.find(token: token, in: $0) }) else { return nil }
        return (pending, token)
    }

    /// The reset, when its code was proven recently enough to choose the password now.
    private func provenReset() throws -> (PasswordReset, String, User)? {
        guard let (pending, token) = try pendingReset(), pending.mayChoosePassword(now: context.now), let userID = pending.userID,
              let user = try context.app.database.read({ try User.find(id: userID, in: $0) }) else { return nil }
        return (pending, token, user)
    }

    private func ended() -> HTTPResponse {
        context.flash(.alert, "That password reset has ended. Please start again.")
        return endingReset(context.redirect(to: "/password_reset/new"))
    }

    /// The reset is over, whatever comes next: its cookie goes.
    private func endingReset(_ response: HTTPResponse) -> HTTPResponse {
        UntoldCode.ending(response, cookie: Self.cookieName, context: context)
    }

    // MARK: Pages

    private func wrongCode(_ pending: PasswordReset, wrongChecks: Int) throws -> HTTPResponse {
        try codePage(pending, status: 422, wrongChecks: wrongChecks,
                     error: UntoldCode.wrongCodeMessage(pending, wrongChecks: wrongChecks, context: context))
    }

    /// The same page whether or not a code was sent (see `UntoldCode`).
    private func codePage(_ pending: PasswordReset, status: Int, wrongChecks: Int? = nil, error: String?) throws -> HTTPResponse {
        try context.render("password_resets/code", title: "Enter your code", status: status,
                           UntoldCode.pageLocals(pending, wrongChecks: wrongChecks, error: error, context: context))
    }

    /// What the form says will happen: the extra factor asked for, and whether the new password
    /// works at once or after the hold.
    private func passwordForm(_ user: User, errors: ValidationErrors, status: Int) throws -> HTTPResponse {
        let app = context.app
        let factors = try app.database.read { try PasswordResetting.strongerFactors(of: user, in: $0) }
        let knownDevice = KnownDevice.key(context: context, userID: user.id, passwordDigest: user.passwordDigest) != nil
        let held = factors.isEmpty && !knownDevice && app.config.passwordResetHold > 0
        return try context.render("password_resets/edit", title: "Choose a new password", status: status, [
            "username": .string(user.username),
            "errors": errors.templateValue,
            "needs_app": .bool(factors.contains(.authenticatorApp)),
            "held": .bool(held),
            "hold": .string(Self.describe(app.config.passwordResetHold)),
        ])
    }

    /// `24 hours`, `90 minutes`, `1 hour`.
    static func describe(_ seconds: Int) -> String {
        if seconds % 3600 == 0 { let h = seconds / 3600; return h == 1 ? "1 hour" : "\(h) hours" }
        let m = max(1, seconds / 60)
        return m == 1 ? "1 minute" : "\(m) minutes"
    }

    private static func askForm(_ context: ReadOnlyContext, login: String, error: String?, status: Int = 200) throws -> HTTPResponse {
        var locals: TemplateContext = ["login": .string(login)]
        if let error { locals["error"] = .string(error) }
        return try context.render("password_resets/new", title: "Forgot your password?", status: status, locals)
    }
}
