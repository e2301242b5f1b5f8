import HTTP
import Support
import Templates
import Verify

/// "Delete account" (issue 14): behind the current password and a second factor, a code from
/// the authenticator app (or a recovery code) when the account has one, else a code texted to
/// its verified number. The deletion itself is `AccountDeletion`, shared with the command line.
public struct AccountDeletionsController: Controller {
    public static let name = "account_deletions"
    public enum Action: String { case new, sendCode = "send_code", destroy, show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/deletion/new (on a worker: whether a texted code is waiting is the engine's to say).
    func new(_ signedIn: SignedIn) throws -> HTTPResponse {
        try page(signedIn, errors: ValidationErrors())
    }

    /// POST /user/deletion/code: texts a code to the account's number for this deletion.
    func sendCode(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, session = signedIn.session, app = context.app
        // With an app, the phone is the weaker factor: its code is no proof here (nor a text worth paying for).
        if try usesApp(user) {
            app.metrics.refused("account_deletion_text_with_app")
            context.audit(.accountDeletionRefused, userID: user.id, detail: "texted code asked for; the account has an app")
            context.flash(.alert, "Your account has an authenticator app: use a code from it, or a recovery code.")
            return context.redirect(to: "/user/deletion/new")
        }
        // No password to give yet: the deletion can't go through, so no text is paid for.
        guard try app.database.read({ try User.hasPassword(userID: user.id, in: $0) }) else {
            app.metrics.refused("account_deletion_no_password")
            context.audit(.accountDeletionRefused, userID: user.id, detail: "texted code asked for; no password set")
            context.flash(.alert, Reauthentication.setPasswordFirstMessage)
            return context.redirect(to: "/user/deletion/new")
        }
        var start = VerifyStart.web(number: user.number, config: app.config, flow: .accountDeletion)
        // Only ever to the account's own proven number: the brake on new numbers is not for it.
        start.toVerifiedNumber = user.numberVerifiedAt != nil
        do {
            let id = try app.verify.start(start, accountID: TextedCode.accountID, ip: context.clientIP, now: context.now)
            try app.database.write {
                try DeletionCode.link(sessionID: session.id, userID: user.id, verifyRequestID: id, now: context.now, in: $0)
            }
            TextedCode.announce(.sent(start.workflow.events[0]), context: context, user: user, first: true)
        } catch let error as VerifyError {
            TextedCode.announce(TextedCode.Sent(error), context: context, user: user, first: true)
        }
        return context.redirect(to: "/user/deletion/new")
    }

    /// DELETE /user: the password and the second factor, then the account is gone.
    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        let errors = try proofProblems(signedIn)
        guard errors.isEmpty else {
            app.metrics.refused("account_deletion")
            context.audit(.accountDeletionRefused, userID: user.id,
                          detail: errors.messages.map(\.field).joined(separator: ", "))
            return try page(signedIn, errors: errors, status: 422)
        }
        try AccountDeletion.run(user, origin: .init(via: "web", ip: context.request.remoteAddress,
                                                    userAgent: context.request.headers["User-Agent"] ?? ""),
                                database: app.database, sms: app.sms, brand: app.config.brandName,
                                sendWindow: app.config.verifySendWindow, now: context.now)
        app.metrics.accountDeleted()
        try context.endSession()   // its row went with the account; this clears the cookie
        return context.redirect(to: "/user/deleted")
    }

    /// GET /user/deleted: where the browser lands once the account is gone.
    static func show(_ guest: Guest.ReadOnly) throws -> HTTPResponse {
        try guest.context.render("account_deletions/show", title: "Account deleted", [:])
    }

    // MARK: The proof

    /// What is wrong with the password and second factor given; empty when both were right.
    /// A code is only looked at behind a right password, so it is never spent (nor a guess
    /// counted) for someone who doesn't know the password.
    private func proofProblems(_ signedIn: SignedIn) throws -> ValidationErrors {
        let user = signedIn.user, app = context.app
        var errors = ValidationErrors()
        let (hasPassword, hasApp) = try app.database.read { db in
            (try User.hasPassword(userID: user.id, in: db), try TOTPCredential.isEnabled(userID: user.id, in: db))
        }
        guard hasPassword else {
            errors.add("password_needed", Reauthentication.setPasswordFirstMessage)
            return errors
        }
        if context.params["code"].trimmingWhitespace().isEmpty {
            errors.add("code", hasApp ? "Enter a code from your authenticator app, or a recovery code"
                                      : "Enter the code we texted you (ask for one first)")
            return errors
        }
        // With an app, a texted code is no proof: the phone is the weaker factor.
        if hasApp { return try Reauthentication.check(signedIn) }

        if let problem = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            errors.add("current_password", problem)
            return errors
        }
        guard let requestID = try app.database.read({ try DeletionCode.requestID(sessionID: signedIn.session.id, in: $0) }),
              let request = try TextedCode.request(requestID, context: context),
              request.number == user.number, request.purpose == VerifyStart.WebFlow.accountDeletion.rawValue else {
            errors.add("code", "That code no longer works. Ask for a new one.")
            return errors
        }
        guard let typed = TextedCode.entered(context.params["code"], digits: request.codeLength) else {
            errors.add("code", "Enter the \(request.codeLength)-digit code we texted to \(Redact.phone(user.number)).")
            return errors
        }
        if let refusal = try TextedCode.check(typed, requestID: requestID, to: user.number, sentBy: request.lastEventKind,
                                               auditFor: user.id, context: context) {
            if let left = refusal.triesLeft(now: context.now, maxWrong: app.config.pinMaxAttempts) {
                errors.add("code", TriesLeft.message("That code isn't right.", left: left))
            } else {
                errors.add("code", "That code no longer works. Ask for a new one.")
            }
        }
        return errors
    }

    private func usesApp(_ user: User) throws -> Bool {
        try context.app.database.read { try TOTPCredential.isEnabled(userID: user.id, in: $0) }
    }

    // MARK: Page

    private func page(_ signedIn: SignedIn, errors: ValidationErrors, status: Int = 200) throws -> HTTPResponse {
        let user = signedIn.user, now = context.now
        let (hasApp, hasPassword, requestID) = try context.app.database.read { db in
            (try TOTPCredential.isEnabled(userID: user.id, in: db), try User.hasPassword(userID: user.id, in: db),
             try DeletionCode.requestID(sessionID: signedIn.session.id, in: db))
        }
        let codeWaiting = try requestID.map { TextedCode.isLive(try TextedCode.request($0, context: context), now: now) } ?? false
        return try context.render("account_deletions/new", title: "Delete account", status: status, [
            "username": .string(user.username),
            "masked_number": .string(Redact.phone(user.number)),
            "has_app": .bool(hasApp),
            "has_password": .bool(hasPassword),
            "code_waiting": .bool(codeWaiting),
            "errors": errors.templateValue,
        ])
    }
}
