import HTTP
import Support
import Templates
import Verify

/// The codes the Verify engine texts (or reads out) for the web app: at login, for a new
/// number, for a passwordless login. Sending and checking them happens here once; the
/// controllers only choose the page that follows.
enum TextedCode {
    /// The web app's requests live under this account, apart from API clients' requests.
    static let accountID = "web"
    static let length = 6

    /// What was typed without the spaces and dashes people add, if it is `digits` digits long.
    static func entered(_ typed: String, digits: Int) -> String? {
        let code = typed.filter { $0 != " " && $0 != "-" }
        guard code.count == digits, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return code
    }

    /// A code's request, searched under the web account.
    static func request(_ id: String, context: RequestContext) throws -> VerifyRequest? {
        try context.app.verify.search(requestID: id, accountID: accountID, now: context.now)
    }

    /// Whether the request's code can still be entered (in progress, not expired).
    static func isLive(_ request: VerifyRequest?, now: Int64) -> Bool {
        guard let request, request.status == .inProgress, let expires = request.pinExpiresAt else { return false }
        return expires > now
    }

    /// The code page's locals for a code sent to a number the visitor named in their own
    /// session (a number change, the number step after a reset): `digits`, then either
    /// `can_enter_code` with `by_call` and `expires_in`, or the `problem` that ended the code.
    static func pageLocals(_ request: VerifyRequest?, error: String?, context: RequestContext) -> TemplateContext {
        var locals: TemplateContext = ["digits": .int(request?.codeLength ?? length)]
        if let r = request, isLive(r, now: context.now), let expires = r.pinExpiresAt {
            locals["can_enter_code"] = true
            locals["by_call"] = .bool(r.lastEventKind == .tts)
            let minutes = max(1, Int((expires - context.now + 59) / 60))
            locals["expires_in"] = .string(minutes == 1 ? "1 minute" : "\(minutes) minutes")
        } else if let r = request, r.status == .failed, r.wrongChecks >= context.app.config.pinMaxAttempts {
            locals["problem"] = "That was too many wrong codes, so this one no longer works. Start again to get a new code."
        } else {
            locals["problem"] = "That code has expired. Start again to get a new code."
        }
        if let error { locals["error"] = .string(error) }
        return locals
    }

    // MARK: Checking

    /// Why a code was not accepted, with its request as it stands after the check.
    struct Refusal {
        let error: VerifyError
        let after: VerifyRequest?
        /// The code was compared and found wrong (rather than the request being over).
        var wasGuess: Bool { error.status == .wrongCode || error.status == .tooManyWrongCodes }
        /// Wrong, and the same code can still be tried again this many times; nil when it is dead.
        func triesLeft(now: Int64, maxWrong: Int) -> Int? {
            guard error.status == .wrongCode, let after, isLive(after, now: now) else { return nil }
            return max(0, maxWrong - after.wrongChecks)
        }
    }

    /// Checks `code` against request `id`, whose code went to `number` (by `kind`, when the
    /// caller knows): nil when right, else why not. The account's audit log gets the outcome
    /// here, for every page that takes a texted code: `pinVerified`, or `pinFailed` for a wrong
    /// guess (not for a request that was already over). `userID` nil: no account yet (a
    /// passwordless sign-up), nothing to audit.
    static func check(_ code: String, requestID id: String, to number: String, sentBy kind: VerifyEvent.Kind?,
                      auditFor userID: Int64?, context: RequestContext) throws -> Refusal? {
        do {
            _ = try context.app.verify.check(requestID: id, code: code, accountID: accountID, ip: context.clientIP, now: context.now)
            if let userID { context.audit(.pinVerified, userID: userID, detail: PinActivity.detail(kind, to: number)) }
            return nil
        } catch let error as VerifyError {
            let refusal = Refusal(error: error, after: try request(id, context: context))
            if let userID, refusal.wasGuess {
                context.audit(.pinFailed, userID: userID, detail: PinActivity.detail(refusal.after?.lastEventKind ?? kind, to: number))
            }
            return refusal
        }
    }

    // MARK: Sending

    enum Sent {
        case sent(VerifyEvent.Kind), throttled, failed
        /// SMS_COUNTRIES leaves the number's country out.
        case countryRefused
        /// VERIFY_MAX_SENDS_PER_HOUR: the site-wide brake on codes to unverified numbers.
        case braked

        /// What a refused start or trigger means for the page.
        init(_ error: VerifyError) {
            switch error.status {
            case .unsupportedNetwork: self = .countryRefused
            case .throttled: self = error == .braked ? .braked : .throttled
            default: self = .failed
            }
        }
    }

    /// Starts a web request for the user's number (superseding the login flow's live one) and
    /// links it to the session; `workflow` nil means the configured one (WEB_WORKFLOW_ID).
    /// When another account has proven the number, the request is made but its code withheld:
    /// the pages read as if it went, and nothing can complete it (issue 13: sign-up with a
    /// number that has an account looks like any other sign-up).
    static func start(_ pending: PendingSecondFactor, workflow: Workflow? = nil) throws -> Sent {
        let context = pending.context, app = context.app
        let withheld = try isWithheld(pending.user, context: context)
        var start = VerifyStart.web(number: pending.user.number, config: app.config, flow: withheld ? .withheld : .login,
                                    workflow: workflow)
        start.withholdsCode = withheld
        // A login to a number a code has already proven passes the site-wide brake.
        start.toVerifiedNumber = pending.user.numberVerifiedAt != nil
        do {
            let id = try app.verify.start(start, accountID: accountID, ip: context.request.remoteAddress, now: context.now)
            try app.database.write { try Session.link(sessionID: pending.session.id, verifyRequestID: id, in: $0) }
            return .sent(start.workflow.events[0])
        } catch let error as VerifyError {
            if !error.requestID.isEmpty {
                // Delivery failed after the request was made: link it so the page can say so.
                try app.database.write { try Session.link(sessionID: pending.session.id, verifyRequestID: error.requestID, in: $0) }
            }
            return Sent(error)
        }
    }

    /// Whether codes for `user` are withheld: another account has proven its number.
    static func isWithheld(_ user: User, context: RequestContext) throws -> Bool {
        guard user.numberVerifiedAt == nil else { return false }
        return try context.app.database.read { try User.numberIsAnothers(user, in: $0) }
    }

    /// "We've texted a (new) code to …", or why nothing went; a send is audited.
    static func announce(_ outcome: Sent, context: RequestContext, user: User, first: Bool) {
        let number = Redact.phone(user.number)
        if case .sent(let kind) = outcome { context.audit(.pinSent, userID: user.id, detail: PinActivity.detail(kind, to: user.number)) }
        switch outcome {
        case .sent(.sms): context.flash(.notice, first ? "We've texted a code to \(number)." : "We've texted a new code to \(number).")
        case .sent(.tts): context.flash(.notice, "We're calling \(number) now to read out your code.")
        case .sent(.email): context.flash(.notice, first ? "We've e-mailed you a code." : "We've e-mailed you a new code.")
        case .throttled: context.flash(.alert, tooManySends(context.app.config))
        case .failed: context.flash(.alert, "We couldn't send your code — try again.")
        case .countryRefused:
            context.audit(.sendRefused, userID: user.id, detail: "\(number): country not in SMS_COUNTRIES")
            context.flash(.alert, cantTextCountry)
        case .braked:
            context.audit(.sendRefused, userID: user.id, detail: "\(number): too many codes to new numbers this hour")
            context.flash(.alert, tryLater)
        }
    }

    static let cantTextCountry = "We can't text numbers in this country"
    static let tryLater = "We're sending too many codes right now. Please try again later."

    /// SMS_COUNTRIES, asked by a form before it creates anything, so the refusal lands on the
    /// form (422). The engine decides the same way on every send (SendThrottle); this only
    /// answers earlier. Counted like the engine's refusals.
    static func countryProblem(_ number: String, app: Application) -> String? {
        guard !app.config.smsCountries.allows(number) else { return nil }
        app.metrics.sendRefused(reason: SendRefusal.country.rawValue)
        return cantTextCountry
    }

    /// The form error for a refused start, nil when it is no refusal of ours.
    static func refusalProblem(_ error: VerifyError, config: AppConfig) -> String? {
        switch Sent(error) {
        case .countryRefused: return cantTextCountry
        case .braked: return tryLater
        case .throttled: return tooManySends(config)
        default: return nil
        }
    }

    /// The number's send limit is reached (VERIFY_SEND_WINDOW).
    static func tooManySends(_ config: AppConfig) -> String {
        let minutes = max(1, config.verifySendWindow / 60)
        return "We've sent too many codes to this number. Please try again in \(minutes) minute\(minutes == 1 ? "" : "s")."
    }
}
