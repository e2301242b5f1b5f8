import HTTP
import QRCode
import Security
import Support
import Templates

/// Setting up an authenticator app (RFC 6238 TOTP) and turning it off. Set-up makes a pending
/// secret (kept sealed server-side), shows it as base32 and as a QR code of its `otpauth://`
/// URI drawn by us (inline SVG: no script, so the CSP allows it), and switches it on only after
/// a correct current code — then shows the first set of recovery codes.
public struct AuthenticatorSetupController: Controller {
    public static let name = "authenticator"
    public enum Action: String { case new, create, destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/totp/new: the set-up page. Reloading shows the same pending secret.
    func new(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        if let refusal = try needsPasswordFirst(signedIn) { return refusal }
        let existing = try app.database.read { try TOTPCredential.find(userID: user.id, keys: app.keys, in: $0) }
        if existing?.isEnabled == true {
            context.flash(.notice, "Your authenticator app is already on.")
            return context.redirect(to: "/user/two_factor")
        }
        let pending = try existing ?? app.database.write {
            try TOTPCredential.createPending(userID: user.id, keys: app.keys, now: context.now, in: $0)
        }
        return try setupPage(user: user, credential: pending, status: 200, error: nil)
    }

    /// POST /user/totp: confirms the pending secret with a current code, switches it on and
    /// shows the recovery codes (once). Needs the current password too: turning the app on hands
    /// out the recovery codes and makes the app a factor, so a hijacked session must not be able
    /// to enrol its own app (the same re-check as turning it off, less the code the account
    /// doesn't have yet).
    func create(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app, now = context.now
        if let refusal = try needsPasswordFirst(signedIn) { return refusal }
        // Regulated like a login; the code is only looked at behind a right password.
        if let passwordError = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            guard let pending = try app.database.read({ try TOTPCredential.find(userID: user.id, keys: app.keys, in: $0) }),
                  !pending.isEnabled else {
                context.flash(.alert, "Start the set-up again: that one had already finished or was replaced.")
                return context.redirect(to: "/user/two_factor")
            }
            return try setupPage(user: user, credential: pending, status: 422, error: nil, passwordError: passwordError)
        }
        let result: (TOTPCredential?, [String]?) = try app.database.write { db in
            guard let pending = try TOTPCredential.find(userID: user.id, keys: app.keys, in: db), !pending.isEnabled else {
                return (nil, nil)
            }
            guard try pending.accept(context.params["code"], now: now, in: db) else { return (pending, nil) }
            try TOTPCredential.enable(userID: user.id, now: now, in: db)
            return (pending, try RecoveryCode.replaceAll(userID: user.id, keys: app.keys, now: now, in: db))
        }
        switch result {
        case (nil, _):
            context.flash(.alert, "Start the set-up again: that one had already finished or was replaced.")
            return context.redirect(to: "/user/two_factor")
        case (let pending?, nil):
            return try setupPage(user: user, credential: pending, status: 422,
                                 error: "That code isn't right. Check the app shows \(app.config.brandName) and enter the 6 digits it shows now.")
        case (_, let codes?):
            Log.info("authenticator app turned on for user \(user.id)")
            context.audit(.totpEnabled, userID: user.id)
            return try RecoveryCodesPage.render(codes, context: context, intro: .firstSet)
        }
    }

    /// DELETE /user/totp: turns the app off (current password + a second factor). The recovery
    /// codes go with it; SMS is the second factor again.
    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        let errors = try Reauthentication.check(signedIn)
        guard errors.isEmpty else { return try SecondFactorSettingsPage.render(signedIn.readOnly, status: 422, errors: errors) }
        try context.app.database.write { db in
            try TOTPCredential.delete(userID: user.id, in: db)
            try RecoveryCode.deleteAll(userID: user.id, in: db)
        }
        Log.info("authenticator app turned off for user \(user.id)")
        context.audit(.totpDisabled, userID: user.id)
        context.flash(.notice, "Your authenticator app is off. We'll text a code to \(Redact.phone(user.number)) when you log in.")
        return context.redirect(to: "/user/two_factor")
    }

    /// An account with no password (passwordless sign-up) has nothing to confirm with: the
    /// two-factor page, saying to set a password first. Nil when it has one.
    private func needsPasswordFirst(_ signedIn: SignedIn) throws -> HTTPResponse? {
        let user = signedIn.user
        guard try !context.app.database.read({ try User.hasPassword(userID: user.id, in: $0) }) else { return nil }
        var errors = ValidationErrors()
        errors.add("password_needed", Reauthentication.setPasswordFirstMessage)
        return try SecondFactorSettingsPage.render(signedIn.readOnly, status: context.request.method == "GET" ? 200 : 422, errors: errors)
    }

    private func setupPage(user: User, credential: TOTPCredential, status: Int, error: String?,
                           passwordError: String? = nil) throws -> HTTPResponse {
        let uri = OTPAuthURI.totp(credential.totp, issuer: context.app.config.brandName, account: user.username)
        // Medium error correction; 5 px modules with the standard 4-module quiet zone.
        let svg = try QRCode(text: uri, correction: .medium).svg(moduleSize: 5, quietZone: 4)
        let base32 = Base32.encode(credential.secret)
        // Groups of four, as apps' "enter a setup key" screens show them.
        let grouped = stride(from: 0, to: base32.count, by: 4).map { i -> String in
            let start = base32.index(base32.startIndex, offsetBy: i)
            return String(base32[start..<(base32.index(start, offsetBy: 4, limitedBy: base32.endIndex) ?? base32.endIndex)])
        }.joined(separator: " ")
        var locals: TemplateContext = [
            "qr_svg": .string(svg),
            "secret": .string(grouped),
            "otpauth_uri": .string(uri),
            "account": .string(user.username),
            "issuer": .string(context.app.config.brandName),
        ]
        if let error { locals["error"] = .string(error) }
        if let passwordError { locals["password_error"] = .string(passwordError) }
        return try context.render("authenticator/new", title: "Set up an authenticator app", status: status, locals)
    }
}
