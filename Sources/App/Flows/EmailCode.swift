import Support
import Verify

/// Codes by e-mail for the web app (issue 16), on the Verify engine's e-mail channel with the
/// texted codes' limits: proving an address the owner adds (`EmailChange`), and the login's
/// fallback second factor when the owner has turned it on (`UserEmail.fallback`).
enum EmailCode {
    /// Whether this instance can send codes by e-mail at all: SMTP_URL (or the outbox outside
    /// production), and the built-in engine (`VERIFY_ENGINE=vonage` sends texts and calls only).
    static func isAvailable(_ app: Application) -> Bool { app.email != nil && app.config.verifyEngine == .builtin }

    /// Sends a code to `address` for `session`'s pending address; nil when it went, else the form's error.
    static func send(to address: String, session: Session, user: User, context: RequestContext) throws -> String? {
        let app = context.app
        let changeID = try app.database.write {
            try EmailChange.begin(sessionID: session.id, userID: user.id, address: address, now: context.now, in: $0)
        }
        let start = VerifyStart.webEmail(address: address, config: app.config, flow: .emailAddress)
        do {
            let id = try app.verify.start(start, accountID: TextedCode.accountID, ip: context.clientIP, now: context.now)
            guard try app.database.write({ try EmailChange.link(id: changeID, verifyRequestID: id, in: $0) }) else {
                return "You asked for another address since; only the code sent to that one will work."
            }
        } catch let error as VerifyError {
            try app.database.write { try EmailChange.discard(id: changeID, in: $0) }
            if error.status == .throttled {
                context.audit(.sendRefused, userID: user.id, detail: "\(VerifyStart.redacted(address)): \(error.text)")
                return tooManySends(app.config)
            }
            return "We couldn't send a code to that address — check it and try again."
        }
        context.audit(.pinSent, userID: user.id, detail: PinActivity.detail(.email, to: address))
        return nil
    }

    /// The login's "E-mail me a code instead": a fresh request to the account's fallback address,
    /// linked to the session so the code page checks it. `.failed` when the owner has none.
    static func startLogin(_ pending: PendingSecondFactor, address: String) throws -> TextedCode.Sent {
        let context = pending.context, app = context.app
        let start = VerifyStart.webEmail(address: address, config: app.config, flow: .login)
        do {
            let id = try app.verify.start(start, accountID: TextedCode.accountID, ip: context.request.remoteAddress, now: context.now)
            try app.database.write { try Session.link(sessionID: pending.session.id, verifyRequestID: id, in: $0) }
            return .sent(.email)
        } catch let error as VerifyError {
            if !error.requestID.isEmpty {
                try app.database.write { try Session.link(sessionID: pending.session.id, verifyRequestID: error.requestID, in: $0) }
            }
            return TextedCode.Sent(error)
        }
    }

    static func tooManySends(_ config: AppConfig) -> String {
        let minutes = max(1, config.verifySendWindow / 60)
        return "We've sent too many codes to this address. Please try again in \(minutes) minute\(minutes == 1 ? "" : "s")."
    }
}
