import HTTP
import Security
import Support
import Templates

/// The account's two-factor page (GET /user/two_factor): whether an authenticator app is on,
/// how many recovery codes are left, and the remembered devices with "Forget" buttons.
/// Changing any of it is in AuthenticatorSetupController, RecoveryCodesController and
/// RememberedDevicesController.
public struct SecondFactorSettingsController: Controller {
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
                "remembered": .string(Formatting.time(d.createdAt)),
                "expires": .string(Formatting.time(d.expiresAt)),
                "last_used": .string(d.lastUsedAt.map(Formatting.time) ?? "not yet"),
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
}
