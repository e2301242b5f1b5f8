import Support

/// Proving again, from a signed-in session, that it is the account's owner: the current
/// password (under the login regulation, `PasswordConfirmation`) and then a second factor
/// (`SecondFactorCheck`). Asked before turning the authenticator app off and before new
/// recovery codes.
enum Reauthentication {
    static let setPasswordFirstMessage = "Set a password first on Edit account"

    /// Turning the app off and making new recovery codes ask again for the current password and
    /// a second factor: a current app code, or a recovery code (which is spent). Returns the
    /// errors to show; empty when both were right.
    ///
    /// An account from passwordless sign-up has no password to give: it must set one first (on
    /// Edit account). Its session may have been opened by a texted code plus the app, and the
    /// password is what keeps a thief holding the phone and the session from dropping the app.
    static func check(_ signedIn: SignedIn) throws -> ValidationErrors {
        let context = signedIn.context, user = signedIn.user, session = signedIn.session, app = context.app
        var errors = ValidationErrors()
        guard try app.database.read({ try User.hasPassword(userID: user.id, in: $0) }) else {
            errors.add("password_needed", setPasswordFirstMessage)
            return errors
        }
        // Under the login regulation, like the other "current password" forms.
        if let problem = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            errors.add("current_password", problem)
        }
        let typed = context.params["code"]
        let digits = typed.filter { $0 != " " }
        let isAppCode = digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
        guard errors.isEmpty else { return errors }  // a code is only spent behind a right password
        // Wrong codes here count like wrong codes at login (SecondFactorRegulation), so someone
        // holding the session and the password cannot guess app or recovery codes without limit.
        let accepted: Bool
        switch try SecondFactorCheck.run(isAppCode ? .app(digits) : .recovery(typed), user: user, session: session,
                                         context: context) {
        case .refused(let refusal):
            errors.add("code", refusal == .account ? "Too many wrong codes on this account. Please wait a while and try again."
                                                   : "Too many wrong codes. Please log out and log in again to try again.")
            return errors
        case .accepted: accepted = true
        case .wrong: accepted = false
        }
        if !accepted { context.audit(isAppCode ? .totpFailed : .recoveryCodeFailed, userID: user.id) }
        if !accepted {
            errors.add("code", "Enter a current code from your authenticator app, or an unused recovery code")
        } else if !isAppCode {
            let left = try app.database.read { try RecoveryCode.remaining(userID: user.id, in: $0) }
            context.audit(.recoveryCodeUsed, userID: user.id, detail: "\(left) left")
        }
        return errors
    }
}
