import HTTP
import Support
import Templates

/// The second step of a login after the operator reset the account's second factor (issue 14,
/// `twofa users reset-second-factor`): after the password, the user enters a number (a new
/// one, or the same one on a new SIM) and proves it with a texted code before anything else.
/// The code goes out like a number change's (`NewNumberCode`: SMS_COUNTRIES, the send limits,
/// and a number another account has proven answered like any other, its code withheld); the
/// right code makes the number the account's, proven, and logs the session in.
public struct NewNumberStepController: Controller {
    public static let name = "new_number_step"
    public enum Action: String { case new, create, code, verify }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /verification/number/new
    func new(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try form(pending, number: "", errors: ValidationErrors(), status: 200)
    }

    /// POST /verification/number: texts a code to the number typed.
    func create(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let user = pending.user, app = context.app
        let typed = context.params["number"]
        var errors = ValidationErrors()
        switch PhoneNumber.normalize(typed) {
        case .failure(let problem):
            errors.add("number", problem.description)
        case .success(let number):
            if let problem = TextedCode.countryProblem(number, app: app) {
                errors.add("number", problem)
                context.audit(.sendRefused, userID: user.id, detail: "\(Redact.phone(number)): country not in SMS_COUNTRIES")
            } else if let problem = try NewNumberCode.send(to: number, session: pending.session, user: user, context: context) {
                errors.add("number", problem)
            } else {
                context.flash(.notice, "We've texted a code to \(Redact.phone(number)).")
                return context.redirect(to: "/verification/number/code")
            }
        }
        return try form(pending, number: typed, errors: errors, status: 422)
    }

    /// GET /verification/number/code
    func code(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try codePage(pending, status: 200, error: nil)
    }

    /// POST /verification/number/code: a right code makes the number the account's, proven,
    /// and the session logged in.
    func verify(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let user = pending.user, session = pending.session, app = context.app
        guard let change = try pendingChange(session), let requestID = change.verifyRequestID else {
            return context.redirect(to: Check.newNumberStep)
        }
        switch try NewNumberCode.check(change, requestID: requestID, user: user,
                                       missing: { "Enter the \($0)-digit code we sent you." }, context: context) {
        case .mismatch: return context.redirect(to: Check.newNumberStep)
        case .refused(let error): return try codePage(pending, status: 422, error: error)
        case .right: break
        }
        let verified: Session, token: String
        do {
            (verified, token) = try app.database.write { db in
                try change.apply(now: context.now, in: db)
                try User.clearSecondFactorReset(userID: user.id, in: db)
                return try session.verified(now: context.now, in: db)
            }
        } catch NumberChange.ApplyFailure.numberTaken {
            // Another account proved the number while the code was on its way: it is theirs.
            try app.database.write { try NumberChange.discard(id: change.id, in: $0) }
            app.metrics.refused("new_number_taken")
            context.audit(.sendRefused, userID: user.id, detail: "\(Redact.phone(change.newNumber)): not confirmed")
            context.flash(.alert, "We couldn't confirm that number. Please enter another one.")
            return context.redirect(to: Check.newNumberStep)
        } catch NumberChange.ApplyFailure.superseded {
            app.metrics.refused("number_change_superseded")
            context.audit(.numberChangeSuperseded, userID: user.id, detail: Redact.phone(change.newNumber))
            context.flash(.alert, "You asked for another number meanwhile, so this code no longer confirms it.")
            return context.redirect(to: "/verification/number/code")
        }
        context.adoptSession(verified, token: token)
        KnownDevice.issue(context: context, userID: user.id, passwordDigest: user.passwordDigest)
        app.metrics.numberSetAfterReset()
        context.audit(.numberSetAfterReset, userID: user.id, detail: "\(Redact.phone(user.number)) → \(Redact.phone(change.newNumber))")
        Log.info("user \(user.id) proved \(Redact.phone(change.newNumber)) after a second-factor reset; logged in")
        context.flash(.notice, "Your phone number is now \(Redact.phone(change.newNumber)). You're logged in.")
        return context.redirect(to: "/")
    }

    // MARK: Pages

    private func pendingChange(_ session: Session) throws -> NumberChange? {
        try context.app.database.read { try NumberChange.find(sessionID: session.id, in: $0) }
    }

    private func form(_ pending: PendingSecondFactor, number: String, errors: ValidationErrors, status: Int) throws -> HTTPResponse {
        var locals: TemplateContext = [
            "old_number": .string(Redact.phone(pending.user.number)),
            "number": .string(number),
            "errors": errors.templateValue,
        ]
        if let change = try pendingChange(pending.session), change.verifyRequestID != nil {
            locals["pending_number"] = .string(Redact.phone(change.newNumber))
        }
        return try context.render("new_number_step/new", title: "Confirm a phone number", status: status, locals)
    }

    private func codePage(_ pending: PendingSecondFactor, status: Int, error: String?) throws -> HTTPResponse {
        guard let change = try pendingChange(pending.session), let requestID = change.verifyRequestID else {
            return context.redirect(to: Check.newNumberStep)
        }
        let request = try TextedCode.request(requestID, context: context)
        var locals = TextedCode.pageLocals(request, error: error, context: context)
        locals["masked_number"] = .string(Redact.phone(change.newNumber))
        return try context.render("new_number_step/code", title: "Confirm a phone number", status: status, locals)
    }
}
