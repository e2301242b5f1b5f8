import HTTP
import Messaging
import Support
import Templates
import Verify

/// The account's e-mail address (issue 16): added only from a fully verified session, with the
/// current password, and proven by a code sent to it; then the owner may turn on codes by
/// e-mail as a fallback second factor at login, turn them off, or remove the address.
public struct EmailAddressesController: Controller {
    public static let name = "email_addresses"
    public enum Action: String { case edit, update, newVerification = "new_verification", verify, fallback, destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/email/edit
    func edit(_ signedIn: SignedIn) throws -> HTTPResponse {
        try form(signedIn, address: "", errors: ValidationErrors())
    }

    /// PATCH /user/email: checks the password and the address, then e-mails a code to it.
    func update(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        let typed = context.params["email"]
        let address = EmailAddress.normalize(typed)
        var errors = ValidationErrors()
        if !EmailCode.isAvailable(context.app) {
            errors.add("email", "E-mail is not available on this service")
        } else if let problem = EmailAddress.problem(address) {
            errors.add("email", "Enter an e-mail address like name@example.com (\(problem))")
        } else if let current = try context.app.database.read({ try UserEmail.find(userID: user.id, in: $0) }),
                  current.address.lowercased() == address.lowercased() {
            errors.add("email", "That is already your address")
        }
        if let problem = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            errors.add("current_password", problem)
        }
        guard errors.isEmpty else { return try form(signedIn, address: typed, errors: errors, status: 422) }
        if let problem = try EmailCode.send(to: address, session: signedIn.session, user: user, context: context) {
            errors.add("email", problem)
            return try form(signedIn, address: typed, errors: errors, status: 422)
        }
        context.flash(.notice, "We've e-mailed a code to \(EmailAddress.redact(address)).")
        return context.redirect(to: "/user/email/verification/new")
    }

    /// GET /user/email/verification/new
    func newVerification(_ signedIn: SignedIn) throws -> HTTPResponse {
        try codePage(signedIn, status: 200, error: nil)
    }

    /// POST /user/email/verification: a right code makes the address the account's.
    func verify(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        guard let change = try app.database.read({ try EmailChange.find(sessionID: signedIn.session.id, in: $0) }),
              let requestID = change.verifyRequestID else { return context.redirect(to: "/user/email/edit") }
        let request = try TextedCode.request(requestID, context: context)
        let digits = request?.codeLength ?? TextedCode.length
        guard request?.number == change.address else { return context.redirect(to: "/user/email/edit") }
        guard let typed = TextedCode.entered(context.params["code"], digits: digits) else {
            return try codePage(signedIn, status: 422, error: "Enter the \(digits)-digit code we e-mailed you.")
        }
        if let refusal = try TextedCode.check(typed, requestID: requestID, to: change.address, sentBy: .email,
                                               auditFor: user.id, context: context) {
            let left = refusal.triesLeft(now: context.now, maxWrong: app.config.pinMaxAttempts)
            return try codePage(signedIn, status: 422, error: left.map { TriesLeft.message("That code isn't right.", left: $0) })
        }
        guard try app.database.write({ try change.apply(now: context.now, in: $0) }) else {
            context.flash(.alert, "You asked for another address meanwhile, so this code no longer confirms this one.")
            return context.redirect(to: "/user/email/edit")
        }
        context.audit(.emailAdded, userID: user.id, detail: EmailAddress.redact(change.address))
        app.metrics.emailAddressChanged("added")
        Log.info("e-mail address confirmed for user \(user.id): \(EmailAddress.redact(change.address))")
        context.flash(.notice, "Your e-mail address is now \(EmailAddress.redact(change.address)).")
        return context.redirect(to: "/user/email/edit")
    }

    /// PATCH /user/email/fallback (`fallback` = on | off): codes by e-mail at login, or not.
    func fallback(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        let on = context.params["fallback"] == "on"
        guard try app.database.write({ try UserEmail.setFallback(on, userID: user.id, now: context.now, in: $0) }) else {
            app.metrics.refused("email_fallback_without_address")
            context.audit(.emailCodeRefused, userID: user.id, detail: "no confirmed e-mail address")
            var errors = ValidationErrors()
            errors.add("email", "Add and confirm an e-mail address first")
            return try form(signedIn, address: "", errors: errors, status: 422)
        }
        context.audit(on ? .emailFallbackOn : .emailFallbackOff, userID: user.id, detail: "")
        app.metrics.emailAddressChanged(on ? "fallback_on" : "fallback_off")
        context.flash(.notice, on ? "You can now get login codes by e-mail when your phone isn't at hand."
                                  : "Login codes no longer go by e-mail.")
        return context.redirect(to: "/user/email/edit")
    }

    /// DELETE /user/email: the address (and the fallback with it) goes.
    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        guard let current = try app.database.read({ try UserEmail.find(userID: user.id, in: $0) }) else {
            return context.redirect(to: "/user/email/edit")
        }
        try app.database.write { try UserEmail.remove(userID: user.id, in: $0) }
        context.audit(.emailRemoved, userID: user.id, detail: EmailAddress.redact(current.address))
        app.metrics.emailAddressChanged("removed")
        context.flash(.notice, "Your e-mail address was removed.")
        return context.redirect(to: "/user/email/edit")
    }

    // MARK: Pages

    private func form(_ signedIn: SignedIn, address: String, errors: ValidationErrors, status: Int = 200) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        let (current, pending) = try app.database.read { db in
            (try UserEmail.find(userID: user.id, in: db), try EmailChange.find(sessionID: signedIn.session.id, in: db))
        }
        var locals: TemplateContext = [
            "email": .string(address),
            "errors": errors.templateValue,
            "available": .bool(EmailCode.isAvailable(app)),
            "has_password": .bool(try app.database.read { try User.hasPassword(userID: user.id, in: $0) }),
        ]
        if let current {
            locals["current_email"] = .string(EmailAddress.redact(current.address))
            locals["fallback"] = .bool(current.fallback)
        }
        if let pending, pending.verifyRequestID != nil { locals["pending_email"] = .string(EmailAddress.redact(pending.address)) }
        return try context.render("email_addresses/edit", title: "E-mail address", status: status, locals)
    }

    private func codePage(_ signedIn: SignedIn, status: Int, error: String?) throws -> HTTPResponse {
        guard let change = try context.app.database.read({ try EmailChange.find(sessionID: signedIn.session.id, in: $0) }),
              let requestID = change.verifyRequestID else { return context.redirect(to: "/user/email/edit") }
        let request = try TextedCode.request(requestID, context: context)
        var locals = TextedCode.pageLocals(request, error: error, context: context)
        locals["masked_email"] = .string(EmailAddress.redact(change.address))
        return try context.render("email_addresses/verification", title: "Confirm your e-mail address", status: status, locals)
    }
}
