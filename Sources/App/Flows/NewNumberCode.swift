import Support
import Verify

/// Texting a code to a number the account does not have yet, and waiting for it in a
/// `NumberChange` row of the session: the number change (`NumberChangesController`) and the
/// number a login must prove after an operator's reset (`NewNumberStepController`).
/// Whether another account has proven the number is never said (issue 13): the code is
/// withheld, the pages read as if it went, and nothing can complete it.
enum NewNumberCode {
    /// `number` (E.164, SMS_COUNTRIES already checked by the form) gets a code for `session`'s
    /// pending change; nil when it went (or was withheld), else the form's error for the number.
    static func send(to number: String, session: Session, user: User, context: RequestContext) throws -> String? {
        let app = context.app
        // The account's own number is never proven here (a change to it is refused; after a reset it is unproven).
        let taken = try app.database.read { try User.hasVerified(number: number, in: $0) }
        let changeID = try app.database.write {
            try NumberChange.begin(sessionID: session.id, userID: user.id, newNumber: number, now: context.now, in: $0)
        }
        var start = VerifyStart.web(number: number, config: app.config, flow: taken ? .withheld : .numberChange)
        start.withholdsCode = taken
        do {
            let id = try app.verify.start(start, accountID: TextedCode.accountID, ip: context.clientIP, now: context.now)
            guard try app.database.write({ try NumberChange.link(id: changeID, verifyRequestID: id, in: $0) }) else {
                // Another change from this session replaced this one while its code was on the
                // way: that code now proves nothing, and the newer change keeps its own.
                app.metrics.refused("number_change_superseded")
                context.audit(.numberChangeSuperseded, userID: user.id, detail: Redact.phone(number))
                Log.info("number change for user \(user.id) to \(Redact.phone(number)) replaced by a newer one")
                return "You asked for another number since; only the code sent to that one will work."
            }
        } catch let error as VerifyError {
            try app.database.write { try NumberChange.discard(id: changeID, in: $0) }
            guard let problem = TextedCode.refusalProblem(error, config: app.config) else {
                return "We couldn't send a code to that number — check it and try again."
            }
            if error.status != .throttled || error == .braked {
                context.audit(.sendRefused, userID: user.id, detail: "\(Redact.phone(number)): \(error.text)")
            }
            return problem
        }
        context.audit(.pinSent, userID: user.id, detail: PinActivity.detail(start.workflow.events[0], to: number))
        Log.info("code for a new number of user \(user.id) sent to \(Redact.phone(number))")
        return nil
    }

    /// What `check` found.
    enum Checked {
        case right
        /// The change's request went to another number: the change is discarded, the page starts over.
        case mismatch
        /// Wrong or dead: the code page again, with `error` (nil: the page says why the code is over).
        case refused(error: String?)
    }

    /// Checks the code typed for `change` (whose request is `requestID`), audited for `user`.
    /// `missing` is the error for something that isn't a code at all.
    static func check(_ change: NumberChange, requestID: String, user: User, missing: (Int) -> String,
                      context: RequestContext) throws -> Checked {
        let app = context.app
        let request = try TextedCode.request(requestID, context: context)
        if let request, request.number != change.newNumber {
            // Only a code sent to the change's own number proves it (linking by row id keeps
            // it so; this is the net should that ever break).
            try app.database.write { try NumberChange.discard(id: change.id, in: $0) }
            app.metrics.refused("number_change_mismatch")
            context.audit(.numberChangeSuperseded, userID: user.id, detail: Redact.phone(change.newNumber))
            Log.error("number change \(change.id): request \(requestID) went to another number; change discarded")
            return .mismatch
        }
        let digits = request?.codeLength ?? TextedCode.length
        guard let typed = TextedCode.entered(context.params["code"], digits: digits) else { return .refused(error: missing(digits)) }
        guard let refusal = try TextedCode.check(typed, requestID: requestID, to: change.newNumber, sentBy: request?.lastEventKind,
                                                 auditFor: user.id, context: context) else { return .right }
        guard let left = refusal.triesLeft(now: context.now, maxWrong: app.config.pinMaxAttempts) else { return .refused(error: nil) }
        return .refused(error: TriesLeft.message("That code isn't right.", left: left))
    }
}
