import HTTP
import Security
import Support
import Templates

/// The account's passkeys on the Two-factor page (issue 17): add one (after the current
/// password, then the browser's own dialog), rename, delete (the password again).
/// The id of the passkey to change comes as the form field `id`.
public struct PasskeysController: Controller {
    public static let name = "passkeys"
    public enum Action: String { case new, create, update, destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// POST /user/passkeys/new: the current password, then the page that runs the browser's
    /// dialog. The challenge is issued only behind a right password.
    func new(_ signedIn: SignedIn) throws -> HTTPResponse {
        if let passwordError = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            var errors = ValidationErrors()
            errors.add("passkey_password", passwordError)
            return try SecondFactorSettingsPage.render(signedIn.readOnly, status: 422, errors: errors)
        }
        return try page(signedIn)
    }

    /// POST /user/passkeys: the browser's answer (filled in by public/passkeys.js).
    func create(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        do {
            let passkey = try PasskeyCeremony.register(signedIn)
            context.audit(.passkeyAdded, userID: user.id, detail: passkey.name)
            context.app.metrics.passkey("registered")
            Log.info("passkey \(passkey.id) added for user \(user.id)")
            context.flash(.notice, "Passkey \"\(passkey.name)\" added. We'll offer it first when you log in.")
            return context.redirect(to: "/user/two_factor")
        } catch let refusal as PasskeyCeremony.Refusal {
            PasskeyCeremony.count(refusal, account: user.id, context: context)
            // Back to the Two-factor page, with no new challenge: a challenge is issued only behind
            // the password (`new`), or a stolen session could add its own passkey by failing once.
            var errors = ValidationErrors()
            errors.add("passkey_password", refusal.reason + " Enter your password to try again.")
            return try SecondFactorSettingsPage.render(signedIn.readOnly, status: refusal.status, errors: errors)
        }
    }

    /// PATCH /user/passkeys (id, name): rename.
    func update(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, name = Passkey.cleanName(context.params["name"])
        guard let id = Int64(context.params["id"]), !name.isEmpty else {
            var errors = ValidationErrors()
            errors.add("passkey", "Give the passkey a name.")
            return try SecondFactorSettingsPage.render(signedIn.readOnly, status: 422, errors: errors)
        }
        if try context.app.database.write({ try Passkey.rename(id: id, userID: user.id, to: name, in: $0) }) {
            context.audit(.passkeyRenamed, userID: user.id, detail: name)
            context.flash(.notice, "Passkey renamed to \"\(name)\".")
        } else {
            context.flash(.alert, "That passkey had already been removed.")
        }
        return context.redirect(to: "/user/two_factor")
    }

    /// DELETE /user/passkeys (id, current_password).
    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        if let passwordError = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            var errors = ValidationErrors()
            errors.add("passkey", passwordError)
            return try SecondFactorSettingsPage.render(signedIn.readOnly, status: 422, errors: errors)
        }
        guard let id = Int64(context.params["id"]),
              let name = try context.app.database.write({ try Passkey.delete(id: id, userID: user.id, in: $0) }) else {
            context.flash(.alert, "That passkey had already been removed.")
            return context.redirect(to: "/user/two_factor")
        }
        context.audit(.passkeyRemoved, userID: user.id, detail: name)
        context.app.metrics.passkey("removed")
        Log.info("passkey removed for user \(user.id)")
        context.flash(.notice, "Passkey \"\(name)\" removed. Remove it from your device too (its passwords or passkeys settings).")
        return context.redirect(to: "/user/two_factor")
    }

    private func page(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        let (handle, existing) = try app.database.read { db in
            (try Passkey.userHandle(userID: user.id, in: db), try Passkey.all(userID: user.id, in: db))
        }
        let challenge = try PasskeyCeremony.issue(.register, userHandle: handle, context: context)
        let locals: TemplateContext = [
            "options": .string(PasskeyCeremony.creationOptions(user: user, userHandle: handle, challenge: challenge,
                                                              exclude: existing, context: context)),
            "default_name": .string(UserAgentSummary.describe(context.request.headers["User-Agent"] ?? "")),
            "script": .string(app.assets.path(of: "passkeys.js")),
        ]
        return try context.render("passkeys/new", title: "Add a passkey", status: 200, locals)
    }
}
