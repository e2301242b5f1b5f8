import HTTP
import Security
import Support
import Templates

/// The second step by passkey (issue 17): offered first to an account that has one
/// (`LoginFlow.begin`), with the app, recovery codes and a texted code as alternatives.
/// Only an assertion with user verification (the device's PIN or biometric) counts.
public struct PasskeyStepController: Controller {
    public static let name = "passkey_step"
    public enum Action: String { case new, create }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /verification/passkey
    func new(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try page(pending, status: 200, error: nil)
    }

    /// POST /verification/passkey: the browser's answer (filled in by public/passkeys.js).
    func create(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        do {
            let proof = try PasskeyCeremony.assertion(.secondFactor, account: pending.user, requireUserVerification: true,
                                                      context: context)
            try context.app.database.write { try proof.passkey.mark(sessionID: pending.session.id, in: $0) }
            context.app.metrics.passkey("second_factor")
            return try LoginFlow.complete(pending, event: .passkeyUsed, detail: proof.passkey.name,
                                          remember: LoginFlow.wantsRemember(context))
        } catch let refusal as PasskeyCeremony.Refusal {
            PasskeyCeremony.count(refusal, account: pending.user.id, context: context)
            return try page(pending, status: refusal.status, error: refusal.reason)
        }
    }

    private func page(_ pending: PendingSecondFactor, status: Int, error: String?) throws -> HTTPResponse {
        let app = context.app, user = pending.user
        let (passkeys, appEnabled) = try app.database.read { db in
            (try Passkey.all(userID: user.id, in: db), try TOTPCredential.isEnabled(userID: user.id, in: db))
        }
        guard !passkeys.isEmpty, app.config.passkeys.enabled else { return context.redirect(to: "/verification/new?via=sms") }
        let challenge = try PasskeyCeremony.issue(.secondFactor, context: context)
        var locals: TemplateContext = [
            "options": .string(PasskeyCeremony.requestOptions(challenge: challenge, allow: passkeys, userVerification: "required",
                                                             context: context)),
            "script": .string(app.assets.path(of: "passkeys.js")),
            "app_enabled": .bool(appEnabled),
            "phone_first": .bool(pending.session.firstFactor == .phone),
        ]
        if let error { locals["error"] = .string(error) }
        return try context.render("passkey_step/new", title: "Use your passkey", status: status, locals)
    }
}
