import HTTP

/// What a gate decided: the action runs with what was established, or the gate answers
/// (usually with a redirect) and the action never runs.
enum Admission<Passed> {
    case admitted(Passed)
    case answered(HTTPResponse)
}

/// A route's before-actions as one typed check. Where Rails runs `before_action`s and leaves
/// the action to trust that `current_user` is there, a gate hands the action a value that
/// can only exist once the checks passed (`SignedIn`, `PendingSecondFactor`, `ApiCall`…), so
/// the action's signature says what has been checked and no action re-checks.
/// Gates are built once when the routes are drawn; a request only calls `admit`.
struct Gate<Passed>: Sendable {
    /// The checks in order, as `twofa routes` lists them.
    let names: [String]
    let admit: @Sendable (RequestContext) throws -> Admission<Passed>
}

extension Gate where Passed == RequestContext {
    /// No check: health, metrics and the API description answer anyone.
    static var open: Gate { Gate(names: []) { .admitted($0) } }
}

extension Gate where Passed == Guest {
    /// Sign-up and login pages: someone fully logged in is sent home.
    static var guest: Gate {
        Gate(names: [Check.redirectIfVerified]) { context in
            if let early = Check.redirectIfVerified(context) { return .answered(early) }
            return .admitted(Guest(context: context))
        }
    }

    /// Passkey-only login: a 404 unless PASSKEY_LOGIN=on, then as `guest`.
    static var passkeyGuest: Gate {
        Gate(names: [Check.requirePasskeyLogin, Check.redirectIfVerified]) { context in
            if let early = try Check.requirePasskeyLogin(context) ?? Check.redirectIfVerified(context) {
                return .answered(early)
            }
            return .admitted(Guest(context: context))
        }
    }

    /// The passwordless pages: a 404 unless PASSWORDLESS_LOGIN=on, then as `guest`.
    static var passwordlessGuest: Gate {
        Gate(names: [Check.requirePasswordlessLogin, Check.redirectIfVerified]) { context in
            if let early = try Check.requirePasswordlessLogin(context) ?? Check.redirectIfVerified(context) {
                return .answered(early)
            }
            return .admitted(Guest(context: context))
        }
    }
}

extension Gate where Passed == PendingSecondFactor {
    /// The second-factor step: a session whose password (or passwordless code) was accepted
    /// and whose second factor is still to come.
    static var pendingSecondFactor: Gate {
        Gate(names: [Check.requireLogin, Check.redirectIfVerified, Check.redirectIfNumberReset]) { context in
            guard let session = context.session, let user = context.user else { return .answered(Check.loginFirst(context)) }
            if let early = try Check.redirectIfVerified(context) ?? Check.redirectIfNumberReset(context, user: user) {
                return .answered(early)
            }
            return .admitted(PendingSecondFactor(context: context, session: session, user: user))
        }
    }

    /// The number step after an operator's reset (issue 14): a session past its password whose
    /// account must prove a number before anything else; any other goes to the usual second step.
    static var pendingNumberReset: Gate {
        Gate(names: [Check.requireLogin, Check.redirectIfVerified, Check.requireNumberReset]) { context in
            guard let session = context.session, let user = context.user else { return .answered(Check.loginFirst(context)) }
            if let early = Check.redirectIfVerified(context) { return .answered(early) }
            guard try Check.redirectIfNumberReset(context, user: user) != nil else { return .answered(Check.secondFactorFirst) }
            return .admitted(PendingSecondFactor(context: context, session: session, user: user))
        }
    }
}

extension Gate where Passed == SignedIn {
    /// The account's pages: both factors passed.
    static var signedIn: Gate {
        Gate(names: [Check.requireLogin, Check.requireSecondFactor]) { context in
            guard let session = context.session, let user = context.user else { return .answered(Check.loginFirst(context)) }
            // A verified session of an account with no proven number is not through (issue 14).
            guard Check.isSignedIn(context) else { return .answered(Check.secondFactorFirst) }
            return .admitted(SignedIn(context: context, session: session, user: user))
        }
    }
}
