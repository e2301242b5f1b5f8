import HTTP
import Messaging
import Support
import Templates
import Verify

/// The second-factor step by texted code, on the Verify engine (`TextedCode`): login and
/// sign-up start a request (SMS first, then a voice call, by `WEB_WORKFLOW_ID`); "Send a new
/// code" fires the workflow's next event (so the second try can be a call); "Call me instead"
/// asks for the call now. Reached only with a half-logged-in session.
public struct TextedCodeStepController: Controller {
    public static let name = "verifications"
    public enum Action: String { case new, create, resend, call, email }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /verification/new: shows the form. Never sends anything, so reloading is free.
    func new(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        // An authenticator app, when set up, is offered first (LoginFlow); no text until asked.
        if let appPage = try LoginFlow.appPageIfPreferred(pending) { return appPage }
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
        if let refusal = try LoginFlow.refuseTextAfterPhone(pending) { return refusal }
        let app = context.app
        guard let request = try currentRequest(session) else { return try page(pending, status: 422, error: nil) }
        guard let typed = TextedCode.entered(context.params["code"], digits: request.codeLength) else {
            return try page(pending, status: 422, error: "Enter the \(request.codeLength)-digit code we sent you.")
        }
        // Texted codes count towards the account's wrong second-factor codes (SecondFactorRegulation):
        // written down before the engine checks, taken back unless it compared and found it wrong.
        let regulation = SecondFactorRegulation(maxPerSession: app.config.pinMaxAttempts, login: app.regulation)
        let knownDevice = KnownDevice.key(context: context, userID: session.userID, passwordDigest: pending.user.passwordDigest) != nil
        guard let attempt = try app.database.write({
            try regulation.pinAttempt(userID: session.userID, session: session, knownDevice: knownDevice, now: context.now, in: $0)
        }) else {
            Log.info("PIN refused for user \(session.userID): too many wrong attempts on the account")
            try context.endSession()
            context.flash(.alert, "Too many wrong attempts on this account. Please try again later.")
            return context.redirect(to: "/session/new")
        }
        var counted = false
        defer { if !counted { try? app.database.write { try regulation.pinTakenBack(attempt, in: $0) } } }
        if let refusal = try TextedCode.check(typed, requestID: request.requestID, to: request.number, sentBy: request.lastEventKind,
                                               auditFor: session.userID, context: context) {
            // Compared only if the code was live before the check (not dead, expired or replaced).
            if refusal.wasGuess, TextedCode.isLive(request, now: context.now) {
                try app.database.write { try regulation.pinWrong(attempt, now: context.now, in: $0) }
                counted = true
            }
            if let left = refusal.triesLeft(now: context.now, maxWrong: app.config.pinMaxAttempts) {
                Log.info("wrong PIN for user \(session.userID)")
                return try page(pending, status: 422, error: TriesLeft.message("That code isn't right.", left: left))
            }
            // Too many wrong codes, expired, replaced: the page explains the state and offers a new code.
            return try page(pending, status: 422, error: nil)
        }
        let verified: Session, token: String
        do {
            (verified, token) = try app.database.write { db in
                // A code by e-mail proves the address, not the number (issue 16).
                if request.lastEventKind != .email { try User.markNumberVerified(userID: session.userID, now: context.now, in: db) }
                return try session.verified(now: context.now, in: db)
            }
        } catch User.CreateFailure.numberTaken {
            // Another account proved this number while the code was on its way: it is theirs.
            try context.endSession()
            context.flash(.alert, "We couldn't confirm that number. Please start again.")
            return context.redirect(to: "/session/new")
        }
        context.adoptSession(verified, token: token)
        KnownDevice.issue(context: context, userID: verified.userID, passwordDigest: pending.user.passwordDigest)
        Log.info("PIN verified for user \(verified.userID)")
        if LoginFlow.wantsRemember(context) {
            try LoginFlow.rememberDevice(context: context, user: pending.user)  // issue 6
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

    /// POST /verification/email: "E-mail me a code instead" (issue 16), to the account's confirmed
    /// address when its owner turned codes by e-mail on; the same code page checks it. Refused
    /// (audited, counted) for an account without it. PIN_RESEND_INTERVAL applies between e-mails;
    /// not after the text: the person asking has no phone at hand to read it. The per-address
    /// send limits hold either way.
    func email(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        if let refusal = try LoginFlow.refuseTextAfterPhone(pending) { return refusal }
        let app = context.app, user = pending.user
        guard EmailCode.isAvailable(app),
              let address = try app.database.read({ try UserEmail.fallbackAddress(userID: user.id, in: $0) }) else {
            app.metrics.refused("email_code_not_enabled")
            context.audit(.emailCodeRefused, userID: user.id, detail: "codes by e-mail are not turned on")
            context.flash(.alert, "Codes by e-mail are not turned on for this account.")
            return context.redirect(to: "/verification/new")
        }
        if let current = try currentRequest(pending.session), current.lastEventKind == .email, let last = current.lastEventAt {
            let wait = Int(last + Int64(app.config.pinResendInterval) - context.now)
            if wait > 0 {
                context.flash(.alert, "Please wait \(wait) second\(wait == 1 ? "" : "s") before asking for another code.")
                return context.redirect(to: "/verification/new")
            }
        }
        let outcome = try EmailCode.startLogin(pending, address: address)
        if case .sent = outcome {
            context.audit(.pinSent, userID: user.id, detail: PinActivity.detail(.email, to: address))
            context.flash(.notice, "We've e-mailed a code to \(EmailAddress.redact(address)).")
        } else if case .throttled = outcome {
            context.flash(.alert, EmailCode.tooManySends(app.config))
        } else {
            TextedCode.announce(outcome, context: context, user: user, first: false)
        }
        return context.redirect(to: "/verification/new")
    }

    // MARK: Sending

    private func sendAgain(_ pending: PendingSecondFactor, preferCall: Bool) throws -> HTTPResponse {
        // The phone was the first factor: a text or call to it now would be the same factor twice.
        if let refusal = try LoginFlow.refuseTextAfterPhone(pending) { return refusal }
        let app = context.app
        let request = try currentRequest(pending.session)
        // Issue 2's rule still holds: one send per session per interval, whatever the button.
        if let last = request?.lastEventAt {
            let wait = Int(last + Int64(app.config.pinResendInterval) - context.now)
            if wait > 0 {
                context.flash(.alert, "Please wait \(wait) second\(wait == 1 ? "" : "s") before asking for another code.")
                return context.redirect(to: "/verification/new")
            }
        }
        let outcome: TextedCode.Sent
        if let request, request.status == .inProgress, let next = request.nextEventKind, !preferCall || next == .tts,
           try !TextedCode.isWithheld(pending.user, context: context) {
            do {
                try app.verify.triggerNextEvent(requestID: request.requestID, accountID: TextedCode.accountID,
                                                ip: context.request.remoteAddress, now: context.now)
                outcome = .sent(next)
            } catch let error as VerifyError {
                outcome = TextedCode.Sent(error)
            }
        } else {
            outcome = try TextedCode.start(pending, workflow: preferCall ? Workflow(id: 7)! : nil)
        }
        TextedCode.announce(outcome, context: context, user: pending.user, first: false)
        return context.redirect(to: "/verification/new")
    }

    // MARK: Page

    private func currentRequest(_ session: Session) throws -> VerifyRequest? {
        let app = context.app
        guard let id = try app.database.read({ try Session.verifyRequestID(sessionID: session.id, in: $0) }) else { return nil }
        return try TextedCode.request(id, context: context)
    }

    /// The PIN page in whatever state the session's request is in.
    private func page(_ pending: PendingSecondFactor, status: Int, error: String?) throws -> HTTPResponse {
        let session = pending.session, user = pending.user
        let request = try currentRequest(session)
        var locals: TemplateContext = [
            "masked_number": .string(Redact.phone(user.number)),
            "digits": .int(request?.codeLength ?? TextedCode.length),
        ]
        let maxWrong = context.app.config.pinMaxAttempts
        switch request {
        case .some(let r) where r.status == .inProgress && (r.pinExpiresAt ?? 0) > context.now:
            locals["can_enter_code"] = true
            locals["by_call"] = .bool(r.lastEventKind == .tts)
            locals["can_call"] = .bool(r.lastEventKind != .tts)
            if r.lastEventKind == .email {
                locals["by_email"] = true
                locals["masked_email"] = .string(EmailAddress.redact(r.number))
            }
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
        locals["has_passkey"] = .bool(try PasskeyCeremony.offered(pending))   // issue 17
        if let error { locals["error"] = .string(error) }
        locals["has_app"] = .bool(try context.app.database.read { try TOTPCredential.isEnabled(userID: user.id, in: $0) })
        if EmailCode.isAvailable(context.app), request?.lastEventKind != .email || locals["can_enter_code"] == nil,
           try context.app.database.read({ try UserEmail.fallbackAddress(userID: user.id, in: $0) }) != nil {
            locals["can_email"] = true
        }
        return try context.render("verifications/new", title: "Enter your code", status: status, locals)
    }
}
