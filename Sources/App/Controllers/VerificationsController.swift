import HTTP
import Support
import Templates

/// The PIN step (the second factor), on the Verify engine: login and sign-up start a
/// request (SMS first, then a voice call, by `WEB_WORKFLOW_ID`); "Send a new code" fires
/// the workflow's next event (so the second try can be a call); "Call me instead" asks
/// for the call now. Reached only with a half-logged-in session.
public struct VerificationsController: Controller {
    public static let name = "verifications"
    public enum Action: String { case new, create, resend, call }
    /// The web app's requests live under this account, apart from API clients' requests.
    static let accountID = "web"
    static let codeLength = 6

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// Sends the one PIN that starts the unverified state (after login or sign-up).
    /// Reloading the PIN page afterwards sends nothing.
    static func sendFirstCode(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let context = pending.context, user = pending.user
        let outcome = try startRequest(context: context, session: pending.session, user: user)
        flash(outcome, context: context, user: user, first: true)
        return context.redirect(to: "/verification/new")
    }

    /// GET /verification/new: shows the form. Never sends anything, so reloading is free.
    func new(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        // An authenticator app, when set up, is offered first (SecondFactorController); no text until asked.
        if let appPage = try SecondFactorController.pageIfPreferred(pending) { return appPage }
        if pending.session.firstFactor == .phone {
            // Began with a passwordless code for an app that has since been turned off: no text to
            // offer here, and a fresh passwordless login now logs straight in.
            try context.endSession()
            context.flash(.alert, "Please log in again.")
            return context.redirect(to: "/session/new")
        }
        return try page(pending, status: 200, error: nil)
    }

    /// POST /verification: checks the code.
    func create(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let session = pending.session
        if let refusal = try SecondFactorController.refuseTextAfterPhone(pending) { return refusal }
        let app = context.app
        guard let request = try currentRequest(session) else { return try page(pending, status: 422, error: nil) }
        let typed = context.params["code"].filter { $0 != " " && $0 != "-" }
        guard typed.count == request.codeLength, typed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return try page(pending, status: 422, error: "Enter the \(request.codeLength)-digit code we sent you.")
        }
        // Texted PINs count towards the account's wrong second-factor codes (SecondFactorRegulation):
        // written down before the engine checks, taken back unless it compared and found it wrong.
        let regulation = SecondFactorRegulation(maxPerSession: app.config.pinMaxAttempts, login: app.regulation)
        guard let attempt = try app.database.write({
            try regulation.pinAttempt(userID: session.userID, session: session, now: context.now, in: $0)
        }) else {
            Log.info("PIN refused for user \(session.userID): too many wrong attempts on the account")
            try context.endSession()
            context.flash(.alert, "Too many wrong attempts on this account. Please try again later.")
            return context.redirect(to: "/session/new")
        }
        var counted = false
        defer { if !counted { try? app.database.write { try regulation.pinTakenBack(attempt, in: $0) } } }
        do {
            _ = try app.verify.check(requestID: request.requestID, code: typed, accountID: Self.accountID,
                                     ip: context.request.remoteAddress, now: context.now)
        } catch let error as VerifyError {
            // Compared only if the code was live before the check (not dead, expired or replaced).
            if error.status == .wrongCode || error.status == .tooManyWrongCodes,
               request.status == .inProgress, let expires = request.pinExpiresAt, expires > context.now {
                try app.database.write { try regulation.pinWrong(attempt, now: context.now, in: $0) }
                counted = true
            }
            if error.status == .wrongCode, let now = try currentRequest(session), now.status == .inProgress,
               let expires = now.pinExpiresAt, expires > context.now {
                Log.info("wrong PIN for user \(session.userID)")
                context.audit(.pinFailed, userID: session.userID, detail: PinActivity.detail(now.lastEventKind, to: now.number))
                let left = max(0, app.config.pinMaxAttempts - now.wrongChecks)
                return try page(pending, status: 422, error: "That code isn't right. You have \(left == 1 ? "1 try" : "\(left) tries") left.")
            }
            if error.status == .wrongCode || error.status == .tooManyWrongCodes {
                context.audit(.pinFailed, userID: session.userID, detail: PinActivity.detail(request.lastEventKind, to: request.number))
            }
            // Too many wrong codes, expired, replaced: the page explains the state and offers a new code.
            return try page(pending, status: 422, error: nil)
        }
        let (verified, token) = try app.database.write { db in
            try User.markNumberVerified(userID: session.userID, now: context.now, in: db)
            return try session.verified(now: context.now, in: db)
        }
        context.adoptSession(verified, token: token)
        Log.info("PIN verified for user \(verified.userID)")
        context.audit(.pinVerified, userID: verified.userID, detail: PinActivity.detail(request.lastEventKind, to: request.number))
        if SecondFactorController.wantsRemember(context) {
            try SecondFactorController.rememberDevice(context: context, user: pending.user)  // issue 6
        }
        context.flash(.notice, "You're logged in.")
        return context.redirect(to: "/")
    }

    /// POST /verification/resend: "Send a new code" = the workflow's next event now
    /// (a voice call after the SMS), or a fresh request when this one is over.
    func resend(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try sendAgain(pending, preferCall: false)
    }

    /// POST /verification/call: "Call me instead".
    func call(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try sendAgain(pending, preferCall: true)
    }

    // MARK: Sending

    enum Outcome { case sent(VerifyEvent.Kind), throttled, failed }

    private func sendAgain(_ pending: PendingSecondFactor, preferCall: Bool) throws -> HTTPResponse {
        let session = pending.session, user = pending.user
        // The phone was the first factor: a text or call to it now would be the same factor twice.
        if let refusal = try SecondFactorController.refuseTextAfterPhone(pending) { return refusal }
        let app = context.app
        let request = try currentRequest(session)
        // Issue 2's rule still holds: one send per session per interval, whatever the button.
        if let last = request?.lastEventAt {
            let wait = Int(last + Int64(app.config.pinResendInterval) - context.now)
            if wait > 0 {
                context.flash(.alert, "Please wait \(wait) second\(wait == 1 ? "" : "s") before asking for another code.")
                return context.redirect(to: "/verification/new")
            }
        }
        let outcome: Outcome
        if let request, request.status == .inProgress, let next = request.nextEventKind, !preferCall || next == .tts {
            do {
                try app.verify.triggerNextEvent(requestID: request.requestID, accountID: Self.accountID,
                                                ip: context.request.remoteAddress, now: context.now)
                outcome = .sent(next)
            } catch let error as VerifyError {
                outcome = error.status == .throttled ? .throttled : .failed
            }
        } else {
            outcome = try Self.startRequest(context: context, session: session, user: user,
                                            workflow: preferCall ? Workflow(id: 7)! : nil)
        }
        Self.flash(outcome, context: context, user: user, first: false)
        return context.redirect(to: "/verification/new")
    }

    /// Starts a web request for the user's number (superseding any live one) and links it to
    /// the session; `workflow` nil means the configured one (WEB_WORKFLOW_ID).
    static func startRequest(context: RequestContext, session: Session, user: User, workflow: Workflow? = nil) throws -> Outcome {
        let start = VerifyStart.web(number: user.number, config: context.app.config, workflow: workflow)
        do {
            let id = try context.app.verify.start(start, accountID: accountID, ip: context.request.remoteAddress, now: context.now)
            try context.app.database.write { try Session.link(sessionID: session.id, verifyRequestID: id, in: $0) }
            return .sent(start.workflow.events[0])
        } catch let error as VerifyError {
            if !error.requestID.isEmpty {
                // Delivery failed after the request was made: link it so the page can say so.
                try context.app.database.write { try Session.link(sessionID: session.id, verifyRequestID: error.requestID, in: $0) }
            }
            return error.status == .throttled ? .throttled : .failed
        }
    }

    static func flash(_ outcome: Outcome, context: RequestContext, user: User, first: Bool) {
        let number = Redact.phone(user.number)
        if case .sent(let kind) = outcome { context.audit(.pinSent, userID: user.id, detail: PinActivity.detail(kind, to: user.number)) }
        switch outcome {
        case .sent(.sms): context.flash(.notice, first ? "We've texted a code to \(number)." : "We've texted a new code to \(number).")
        case .sent(.tts): context.flash(.notice, "We're calling \(number) now to read out your code.")
        case .throttled:
            let minutes = max(1, context.app.config.verifySendWindow / 60)
            context.flash(.alert, "We've sent too many codes to this number. Please try again in \(minutes) minute\(minutes == 1 ? "" : "s").")
        case .failed: context.flash(.alert, "We couldn't send your code — try again.")
        }
    }

    // MARK: Page

    private func currentRequest(_ session: Session) throws -> VerifyRequest? {
        let app = context.app
        guard let id = try app.database.read({ try Session.verifyRequestID(sessionID: session.id, in: $0) }) else { return nil }
        return try app.verify.search(requestID: id, accountID: Self.accountID, now: context.now)
    }

    /// The PIN page in whatever state the session's request is in.
    private func page(_ pending: PendingSecondFactor, status: Int, error: String?) throws -> HTTPResponse {
        let session = pending.session, user = pending.user
        let request = try currentRequest(session)
        var locals: [String: TemplateValue] = [
            "masked_number": .string(Redact.phone(user.number)),
            "digits": .int(request?.codeLength ?? Self.codeLength),
        ]
        let maxWrong = context.app.config.pinMaxAttempts
        switch request {
        case .some(let r) where r.status == .inProgress && (r.pinExpiresAt ?? 0) > context.now:
            locals["can_enter_code"] = true
            locals["by_call"] = .bool(r.lastEventKind == .tts)
            locals["can_call"] = .bool(r.lastEventKind != .tts)
            let minutes = max(1, Int(((r.pinExpiresAt ?? 0) - context.now + 59) / 60))
            locals["expires_in"] = .string(minutes == 1 ? "1 minute" : "\(minutes) minutes")
        case .some(let r) where r.status == .failed && r.wrongChecks >= maxWrong:
            locals["problem"] = "That was too many wrong codes, so this one no longer works. Ask for a new code below."
        case .some(let r) where r.status == .failed:
            locals["problem"] = "We couldn't send your code — try again."
        case .some(let r) where r.status == .inProgress || r.status == .expired:
            locals["problem"] = "That code has expired. Ask for a new code below."
        default:
            locals["problem"] = "There is no code waiting for you. Ask for one below."
        }
        if locals["can_enter_code"] == nil { locals["can_call"] = true }
        if let error { locals["error"] = .string(error) }
        locals["has_app"] = .bool(try context.app.database.read { try TOTPCredential.isEnabled(userID: user.id, in: $0) })
        return try context.render("verifications/new", title: "Enter your code", status: status, locals)
    }
}
