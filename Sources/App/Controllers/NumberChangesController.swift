import HTTP
import Messaging
import Support
import Templates
import Verify

/// Changing the account's phone number, only from a fully verified session: the current
/// password first (regulated like a login), then a PIN sent to the new number through the
/// Verify engine. Only a right PIN swaps the numbers; until then the old one stays the
/// login number, so a change left half-way never locks anyone out. Afterwards the old
/// number is told by SMS, and the audit log records the change (numbers masked).
public struct NumberChangesController: Controller {
    public static let name = "number_changes"
    public enum Action: String { case edit, update, newVerification = "new_verification", verify }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/number/edit
    static func edit(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        try form(signedIn, number: "", errors: ValidationErrors())
    }

    /// PATCH /user/number: checks the password and the number, then texts a PIN to the new number.
    func update(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, session = signedIn.session
        let app = context.app
        let typed = context.params["number"]
        var errors = ValidationErrors()
        var number = ""
        switch PhoneNumber.normalize(typed) {
        case .success(let normalized): number = normalized
        case .failure(let problem): errors.add("number", problem.description)
        }
        if errors.isEmpty {
            if number == user.number {
                errors.add("number", "That is already your number")
            } else if let problem = TextedCode.countryProblem(number, app: app) {
                errors.add("number", problem)
                context.audit(.sendRefused, userID: user.id, detail: "\(Redact.phone(number)): country not in SMS_COUNTRIES")
            }
        }
        // The password is checked even when the number is wrong, so one submission says everything.
        if let problem = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            errors.add("current_password", problem)
        }
        guard errors.isEmpty else { return try Self.form(signedIn.readOnly, number: typed, errors: errors, status: 422) }

        // Whether another account has proven the number is never said (issue 13): see NewNumberCode.
        if let problem = try NewNumberCode.send(to: number, session: session, user: user, context: context) {
            errors.add("number", problem)
            return try Self.form(signedIn.readOnly, number: typed, errors: errors, status: 422)
        }
        context.flash(.notice, "We've texted a code to \(Redact.phone(number)).")
        return context.redirect(to: "/user/number/verification/new")
    }

    /// GET /user/number/verification/new: the code form for the pending change.
    func newVerification(_ signedIn: SignedIn) throws -> HTTPResponse {
        try codePage(signedIn, status: 200, error: nil)
    }

    /// POST /user/number/verification: a right code makes the new number the account's.
    func verify(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, session = signedIn.session, app = context.app
        guard let change = try Self.pendingChange(session, context.readOnly), let requestID = change.verifyRequestID else {
            return context.redirect(to: "/user/number/edit")
        }
        switch try NewNumberCode.check(change, requestID: requestID, user: user,
                                       missing: { "Enter the \($0)-digit code we sent to your new number." }, context: context) {
        case .mismatch: return context.redirect(to: "/user/number/edit")
        case .refused(let error): return try codePage(signedIn, status: 422, error: error)
        case .right: break
        }
        do {
            try app.database.write { try change.apply(now: context.now, in: $0) }
        } catch NumberChange.ApplyFailure.numberTaken {
            // Someone else registered the number while the code was on its way.
            try app.database.write { try NumberChange.discard(id: change.id, in: $0) }
            context.flash(.alert, "That number now belongs to another account, so your number was not changed.")
            return context.redirect(to: "/user/number/edit")
        } catch NumberChange.ApplyFailure.superseded {
            // A newer change from this session replaced this one while its code was checked.
            app.metrics.refused("number_change_superseded")
            context.audit(.numberChangeSuperseded, userID: user.id, detail: Redact.phone(change.newNumber))
            context.flash(.alert, "You asked for another number meanwhile, so this code no longer changes your number.")
            return context.redirect(to: "/user/number/verification/new")
        }
        let old = user.number, brand = app.config.brandName
        context.audit(.numberChanged, userID: user.id, detail: "\(Redact.phone(old)) → \(Redact.phone(change.newNumber))")
        Log.info("number changed for user \(user.id): \(Redact.phone(old)) → \(Redact.phone(change.newNumber))")
        do {
            try app.sms.send(SMSMessage(to: old, body: Self.noticeText(brand: brand)))
        } catch {
            // The change stands (the new number is proven); the notice is best effort.
            Log.error("number-change notice to \(Redact.phone(old)) failed: \(error)")
        }
        context.flash(.notice, "Your phone number is now \(Redact.phone(change.newNumber)). We've told your old number.")
        return context.redirect(to: "/user/edit")
    }

    /// The text to the old number: no link (phishing looks like links), just what happened.
    static func noticeText(brand: String) -> String {
        "Your \(brand) account's phone number was changed. If this wasn't you, contact support."
    }

    // MARK: Pages

    private static func pendingChange(_ session: Session, _ context: ReadOnlyContext) throws -> NumberChange? {
        try context.read { try NumberChange.find(sessionID: session.id, in: $0) }
    }

    private static func form(_ signedIn: SignedIn.ReadOnly, number: String, errors: ValidationErrors,
                             status: Int = 200) throws -> HTTPResponse {
        let user = signedIn.user, context = signedIn.context
        var locals: TemplateContext = [
            "masked_number": .string(Redact.phone(user.number)),
            "number": .string(number),
            "errors": errors.templateValue,
            "has_password": .bool(try context.read { try User.hasPassword(userID: user.id, in: $0) }),
        ]
        if let change = try pendingChange(signedIn.session, context), change.verifyRequestID != nil {
            locals["pending_number"] = .string(Redact.phone(change.newNumber))
        }
        return try context.render("number_changes/edit", title: "Change phone number", status: status, locals)
    }

    private func codePage(_ signedIn: SignedIn, status: Int, error: String?) throws -> HTTPResponse {
        let user = signedIn.user
        guard let change = try Self.pendingChange(signedIn.session, context.readOnly), let requestID = change.verifyRequestID else {
            return context.redirect(to: "/user/number/edit")
        }
        let request = try TextedCode.request(requestID, context: context)
        var locals = TextedCode.pageLocals(request, error: error, context: context)
        locals["masked_number"] = .string(Redact.phone(change.newNumber))
        locals["old_number"] = .string(Redact.phone(user.number))
        return try context.render("number_changes/verification", title: "Confirm your new number", status: status, locals)
    }
}
