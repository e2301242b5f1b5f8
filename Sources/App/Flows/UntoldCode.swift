import Database
import HTTP
import Templates

/// A code a visitor asked for by naming an account (a number for passwordless login, a
/// username or number for a password reset) without proving anything yet. Whether a code went
/// out must never show: the pending row (`UntoldCodeAttempt`) is named by a random token in a
/// cookie of the flow's own, and the code page, its wrong-code answers and their "tries left"
/// come from what the visitor did (guesses, time), never from whether there is an account.
/// Every refused guess is counted on the row, whatever refused it (a wrong code, no code sent,
/// the login regulation, a request already over), and the page's count is the row's alone: an
/// account, a banned or locked one and none answer the same guesses alike. (The Verify engine
/// still keeps its own count on a real request.)
protocol UntoldCodeAttempt {
    var createdAt: Int64 { get }
    /// Nil when no code went out (no such account, or the send was throttled).
    var verifyRequestID: String? { get }
    /// The refused guesses so far.
    var wrongChecks: Int { get }
    func recordWrongCheck(in db: DatabaseConnection) throws
}

enum UntoldCode {
    /// A guess at the code is a guess at a secret, like a password: written down under the
    /// login regulation (per account, address and known device) before it is checked. Nil when
    /// the regulation refuses it (counted, audited for the account under `what`); else the
    /// attempt, to be taken back if the code is right, and whether it just locked the account.
    static func admitGuess(owner: User?, what: String, context: RequestContext) throws -> (attempt: Int64, lockedNow: Bool)? {
        let app = context.app, ip = context.clientIP, now = context.now
        let device = KnownDevice.key(context: context, userID: owner?.id, passwordDigest: owner?.passwordDigest)
        let admission = try app.database.write { try app.regulation.admit(userID: owner?.id, ip: ip, device: device, now: now, in: $0) }
        KnownDevice.record(admission, userID: owner?.id, what: what, context: context)
        guard case .admitted(let attempt, let lockedNow, _) = admission else {
            app.metrics.loginThrottled()
            context.audit(.loginThrottled, userID: owner?.id, detail: what)
            return nil
        }
        return (attempt, lockedNow)
    }

    /// Whether the attempt takes no more guesses (too many refused, or its time is up): a guess
    /// is then answered with the page alone, nothing checked or counted.
    static func isOver(_ attempt: some UntoldCodeAttempt, context: RequestContext) -> Bool {
        attempt.wrongChecks >= context.app.config.pinMaxAttempts || hasExpired(attempt, context: context)
    }

    /// Counts a refused guess on the pending row, whatever refused it; the count after it.
    static func countRefused(_ attempt: some UntoldCodeAttempt, context: RequestContext) throws -> Int {
        try context.app.database.write { try attempt.recordWrongCheck(in: $0) }
        return attempt.wrongChecks + 1
    }

    /// The code page's locals: `digits`, `minutes`, and either `can_enter_code` or the
    /// `problem` that ended it (too many wrong codes, expired), from the pending row alone
    /// (`wrongChecks`: its count after a refusal just counted).
    static func pageLocals(_ attempt: some UntoldCodeAttempt, wrongChecks: Int? = nil, error: String?,
                           context: RequestContext) throws -> TemplateContext {
        let config = context.app.config
        let wrong = wrongChecks ?? attempt.wrongChecks
        var locals: TemplateContext = [
            "digits": .int(TextedCode.length),
            "minutes": .int(max(1, config.pinExpiry / 60)),
        ]
        if wrong >= config.pinMaxAttempts {
            locals["problem"] = "That was too many wrong codes, so this one no longer works. Start again to get a new code."
        } else if hasExpired(attempt, context: context) {
            locals["problem"] = "That code has expired. Start again to get a new code."
        } else {
            locals["can_enter_code"] = true
        }
        if let error { locals["error"] = .string(error) }
        return locals
    }

    /// The message for a wrong code with `wrongChecks` counted: nil once none is left or the
    /// time is up (the page then says why instead).
    static func wrongCodeMessage(_ attempt: some UntoldCodeAttempt, wrongChecks: Int, context: RequestContext) -> String? {
        let left = context.app.config.pinMaxAttempts - wrongChecks
        guard left > 0, !hasExpired(attempt, context: context) else { return nil }
        return TriesLeft.message("That code isn't right.", left: left)
    }

    /// Twice PIN_EXPIRY: the voice call that follows an unanswered text brings a fresh code.
    static func hasExpired(_ attempt: some UntoldCodeAttempt, context: RequestContext) -> Bool {
        context.now >= attempt.createdAt + Int64(context.app.config.pinExpiry) * 2
    }

    /// `response` carrying the flow's cookie `name` with the attempt's `token`.
    static func naming(_ response: HTTPResponse, cookie name: String, token: String, context: RequestContext) -> HTTPResponse {
        var response = response
        response.setCookie(Cookie(name: context.cookieName(name), value: token, httpOnly: true, secure: context.isSecure, sameSite: .lax))
        return response
    }

    /// `response` removing the flow's cookie `name`: the attempt is over, whatever comes next.
    static func ending(_ response: HTTPResponse, cookie name: String, context: RequestContext) -> HTTPResponse {
        var response = response
        var expired = Cookie(name: context.cookieName(name), value: "", maxAge: 0)
        expired.secure = context.isSecure
        response.setCookie(expired)
        return response
    }
}
