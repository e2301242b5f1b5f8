import Support

/// The "current password" check of the account forms (change password, change number),
/// under the same regulation as logging in: a hijacked session must not become a way to
/// guess the password without limit. Each check is admitted (written down as a failure)
/// before bcrypt runs; a right password takes it back.
struct PasswordConfirmation {
    enum Outcome: Equatable {
        case confirmed
        case wrong
        /// Banned or locked by the regulation: the password was not even tried.
        case refused
        /// An account with no password, from a session verified too long ago: log in again.
        case stale
    }

    /// How recent a passwordless account's login must be to stand in for its password.
    static let freshLogin: Int64 = 600

    /// What the form says for `.stale`.
    static let staleMessage = "For your security, log in again to do this: your account has no password, "
        + "so we need a login from the last 10 minutes."

    /// What the form says when the regulation refuses.
    static let refusedMessage = "Too many wrong passwords. Please wait a while and try again."

    static func check(_ password: String, for signedIn: SignedIn) throws -> Outcome {
        let context = signedIn.context, user = signedIn.user, app = context.app, now = context.now
        // A passwordless sign-up has no password to confirm until it sets one; a login (the code
        // to its number, and the app if it has one) is all the proof it has. Only a fresh one
        // counts: a session cookie stolen later, or a browser left open, must not be enough to
        // choose a first password or a new number and so take the account over.
        if try !app.database.read({ try User.hasPassword(userID: user.id, in: $0) }) {
            guard let verifiedAt = signedIn.session.verifiedAt, now - verifiedAt <= Self.freshLogin else { return .stale }
            return .confirmed
        }
        switch try RegulatedPassword.check(password, against: user.passwordDigest, userID: user.id, context: context) {
        case .refused:
            context.audit(.loginThrottled, userID: user.id, detail: "current password")
            return .refused
        case .wrong(let lockedNow):
            context.audit(.loginFailed, userID: user.id, detail: "current password")
            if lockedNow { context.audit(.accountLocked, userID: user.id) }
            return .wrong
        case .right:
            return .confirmed
        }
    }

    /// What the form shows under the "current password" field; nil when it was confirmed.
    static func problem(_ password: String, for signedIn: SignedIn) throws -> String? {
        switch try check(password, for: signedIn) {
        case .confirmed: return nil
        case .wrong: return "That isn't your current password"
        case .refused: return refusedMessage
        case .stale: return staleMessage
        }
    }
}
