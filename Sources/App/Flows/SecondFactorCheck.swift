/// An authenticator-app or recovery code checked under `SecondFactorRegulation`, at login and
/// when the account re-authenticates (turning the app off, new recovery codes). Refusal, check
/// and failure are one write transaction: parallel guesses from one session are counted one
/// after another, so none gets past the session or account limit.
enum SecondFactorCheck {
    enum Code {
        /// The app's current code (as typed or normalised by the caller).
        case app(String)
        /// A recovery code, spent when it is right.
        case recovery(String)
    }

    enum Verdict {
        /// Not even checked: the account or this session is at its limit.
        case refused(SecondFactorRegulation.Refusal)
        case accepted
        /// Wrong: counted, with what is left.
        case wrong(SecondFactorRegulation.Outcome)
    }

    static func run(_ code: Code, user: User, session: Session, context: RequestContext) throws -> Verdict {
        try run(code, user: user, triesKey: SecondFactorRegulation.key(of: session), context: context)
    }

    /// The same for tries named by `triesKey` instead of a session's (a password reset's).
    static func run(_ code: Code, user: User, triesKey: String, context: RequestContext) throws -> Verdict {
        let app = context.app, now = context.now
        let regulation = SecondFactorRegulation(maxPerSession: app.config.pinMaxAttempts, login: app.regulation)
        // A known device got past the password while strangers had the account banned: so here too.
        let knownDevice = KnownDevice.key(context: context, userID: user.id, passwordDigest: user.passwordDigest) != nil
        return try app.database.write { db in
            if let refusal = try regulation.refusal(userID: user.id, sessionKey: triesKey, knownDevice: knownDevice, now: now, in: db) {
                return .refused(refusal)
            }
            let accepted: Bool
            switch code {
            case .recovery(let typed):
                accepted = try RecoveryCode.use(typed, userID: user.id, keys: app.keys, now: now, in: db)
            case .app(let typed):
                if let credential = try TOTPCredential.find(userID: user.id, keys: app.keys, in: db), credential.isEnabled {
                    accepted = try credential.accept(typed, now: now, in: db)
                } else {
                    accepted = false
                }
            }
            if accepted { return .accepted }
            return .wrong(try regulation.failed(userID: user.id, sessionKey: triesKey, now: now, in: db))
        }
    }
}
