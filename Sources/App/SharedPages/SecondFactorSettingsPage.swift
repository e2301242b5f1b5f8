import HTTP
import Security
import Support
import Templates

/// The account's two-factor page (`two_factor/show`), rendered by its own controller and,
/// with the errors of a refused change, by the controllers that change what it shows
/// (authenticator set-up, recovery codes): a page several actions answer with, so that no
/// controller calls another.
enum SecondFactorSettingsPage {
    static func render(_ signedIn: SignedIn.ReadOnly, status: Int, errors: ValidationErrors) throws -> HTTPResponse {
        let context = signedIn.context, user = signedIn.user, now = context.now
        let (enabled, remaining, devices, hasPassword) = try context.read { db in
            (try TOTPCredential.isEnabled(userID: user.id, in: db), try RecoveryCode.remaining(userID: user.id, in: db),
             try RememberedDevice.active(userID: user.id, now: now, in: db), try User.hasPassword(userID: user.id, in: db))
        }
        let passkeys = try context.read { try Passkey.all(userID: user.id, in: $0) }
        let passkeyRows: [TemplateValue] = passkeys.map { p in
            [
                "id": .string(String(p.id)),
                "name": .string(p.name),
                "created": .string(Formatting.time(p.createdAt)),
                "last_used": .string(p.lastUsedAt.map(Formatting.time) ?? "not yet"),
                "backed_up": .bool(p.backedUp),
                "clone_warned": .bool(p.cloneWarnedAt != nil),
            ]
        }
        let currentDevice = context.cookie(RememberedDevice.cookieName).flatMap { Int64($0.prefix { $0 != "." }) }
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
            "passkeys_enabled": .bool(context.config.passkeys.enabled),
            "passkey_login": .bool(context.config.passkeys.login),
            "passkeys": .array(passkeyRows),
        ])
    }
}
