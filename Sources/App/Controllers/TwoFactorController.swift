import HTTP
import Security
import Support
import Templates

/// The account's two-factor page (GET /user/two_factor): whether an authenticator app is on,
/// how many recovery codes are left, and the remembered devices with "Forget" buttons.
/// Changing any of it is in AuthenticatorController, RecoveryCodesController and
/// RememberedDevicesController.
public struct TwoFactorController: Controller {
    public static let name = "two_factor"
    public enum Action: String { case show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/two_factor
    func show(_ signedIn: SignedIn) throws -> HTTPResponse {
        try Self.page(signedIn, status: 200, errors: ValidationErrors())
    }

    static func page(_ signedIn: SignedIn, status: Int, errors: ValidationErrors) throws -> HTTPResponse {
        let context = signedIn.context, user = signedIn.user, now = context.now
        let (enabled, remaining, devices, hasPassword) = try context.app.database.read { db in
            (try TOTPCredential.isEnabled(userID: user.id, in: db), try RecoveryCode.remaining(userID: user.id, in: db),
             try RememberedDevice.active(userID: user.id, now: now, in: db), try User.hasPassword(userID: user.id, in: db))
        }
        let currentDevice = context.request.cookies[RememberedDevice.cookieName].flatMap { Int64($0.prefix { $0 != "." }) }
        let rows: [TemplateValue] = devices.map { d in
            [
                "id": .string(String(d.id)),
                "browser": .string(UserAgentSummary.describe(d.userAgent)),
                "ip": .string(d.ip.isEmpty ? "unknown" : d.ip),
                "remembered": .string(AuditEvent.format(time: d.createdAt)),
                "expires": .string(AuditEvent.format(time: d.expiresAt)),
                "last_used": .string(d.lastUsedAt.map(AuditEvent.format(time:)) ?? "not yet"),
                "current": .bool(d.id == currentDevice),
            ]
        }
        return try context.render("two_factor/show", title: "Two-factor authentication", status: status, [
            "totp_enabled": .bool(enabled),
            "remaining": .int(remaining),
            "codes_word": .string(remaining == 1 ? "code" : "codes"),
            "few_left": .bool(enabled && remaining <= 3),
            "devices": .array(rows),
            "masked_number": .string(Redact.phone(user.number)),
            "has_password": .bool(hasPassword),
            "errors": errors.templateValue,
        ])
    }

    static let setPasswordFirstMessage = "Set a password first on Edit account"

    /// Turning the app off and making new recovery codes ask again for the current password and
    /// a second factor: a current app code, or a recovery code (which is spent). Returns the
    /// errors to show; empty when both were right.
    ///
    /// An account from passwordless sign-up has no password to give: it must set one first (on
    /// Edit account). Its session may have been opened by a texted code plus the app, and the
    /// password is what keeps a thief holding the phone and the session from dropping the app.
    static func reauthenticate(_ signedIn: SignedIn) throws -> ValidationErrors {
        let context = signedIn.context, user = signedIn.user, session = signedIn.session, app = context.app
        var errors = ValidationErrors()
        guard try app.database.read({ try User.hasPassword(userID: user.id, in: $0) }) else {
            errors.add("password_needed", setPasswordFirstMessage)
            return errors
        }
        // Under the login regulation, like the other "current password" forms.
        switch try PasswordConfirmation.check(context.params["current_password"], for: signedIn) {
        case .confirmed: break
        case .wrong: errors.add("current_password", "That isn't your current password")
        case .refused: errors.add("current_password", PasswordConfirmation.refusedMessage)
        case .stale: errors.add("current_password", PasswordConfirmation.staleMessage)  // not reached: it has a password
        }
        let typed = context.params["code"]
        let digits = typed.filter { $0 != " " }
        let isAppCode = digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
        guard errors.isEmpty else { return errors }  // a code is only spent behind a right password
        // Wrong codes here count like wrong codes at login (SecondFactorRegulation): refusal,
        // check and failure in one write, so someone holding the session and the password
        // cannot guess app or recovery codes without limit, in turn or in parallel.
        let regulation = SecondFactorRegulation(maxPerSession: app.config.pinMaxAttempts, login: app.regulation)
        let refusal: SecondFactorRegulation.Refusal?
        let accepted: Bool
        (refusal, accepted) = try app.database.write { db in
            if let refusal = try regulation.refusal(userID: user.id, session: session, now: context.now, in: db) { return (refusal, false) }
            let ok: Bool
            if isAppCode {
                if let credential = try TOTPCredential.find(userID: user.id, keys: app.keys, in: db), credential.isEnabled {
                    ok = try credential.accept(digits, now: context.now, in: db)
                } else {
                    ok = false
                }
            } else {
                ok = try RecoveryCode.use(typed, userID: user.id, keys: app.keys, now: context.now, in: db)
            }
            if !ok { _ = try regulation.failed(userID: user.id, session: session, now: context.now, in: db) }
            return (nil, ok)
        }
        if let refusal {
            errors.add("code", refusal == .account ? "Too many wrong codes on this account. Please wait a while and try again."
                                                   : "Too many wrong codes. Please log out and log in again to try again.")
            return errors
        }
        if !accepted { context.audit(isAppCode ? .totpFailed : .recoveryCodeFailed, userID: user.id) }
        if !accepted {
            errors.add("code", "Enter a current code from your authenticator app, or an unused recovery code")
        } else if !isAppCode {
            let left = try app.database.read { try RecoveryCode.remaining(userID: user.id, in: $0) }
            context.audit(.recoveryCodeUsed, userID: user.id, detail: "\(left) left")
        }
        return errors
    }
}
