import HTTP

/// The checks gates are made of, each with the name `twofa routes` shows for it.
enum Check {
    static let requireLogin = "requireLogin"
    static let requireSecondFactor = "requireSecondFactor"
    static let redirectIfVerified = "redirectIfVerified"
    static let requirePasswordlessLogin = "requirePasswordlessLogin"
    static let redirectIfNumberReset = "redirectIfNumberReset"
    static let requireNumberReset = "requireNumberReset"

    /// No session (or an expired one) → the login page.
    static func loginFirst(_ context: RequestContext) -> HTTPResponse {
        context.flash(.alert, "Please log in to continue.")
        return .redirect(to: "/session/new")
    }

    /// Password accepted but no second factor yet (a texted PIN, an app or recovery code, or a
    /// remembered device) → the second-factor page.
    static let secondFactorFirst = HTTPResponse.redirect(to: "/verification/new")

    /// Someone fully logged in has no business on the sign-up, login or PIN pages.
    static func redirectIfVerified(_ context: RequestContext) -> HTTPResponse? {
        guard isSignedIn(context) else { return nil }
        return .redirect(to: "/")
    }

    /// Both factors passed, and the account's number is proven: a session is never fully logged
    /// in for an account with no proven number (after an operator's reset, issue 14), whatever
    /// let it past the second step.
    static func isSignedIn(_ context: RequestContext) -> Bool {
        guard let session = context.session, session.isVerified, let user = context.user else { return false }
        return user.numberVerifiedAt != nil
    }

    /// The number step after an operator's reset (issue 14).
    static let newNumberStep = "/verification/number/new"

    /// The account's second factor was reset by the operator: its number must be proven first
    /// (no texted code to the old number, no app). Only read when the number is unproven.
    static func redirectIfNumberReset(_ context: RequestContext, user: User) throws -> HTTPResponse? {
        guard user.numberVerifiedAt == nil,
              try context.app.database.read({ try User.mustSetNumber(userID: user.id, in: $0) }) else { return nil }
        return .redirect(to: newNumberStep)
    }

    /// The passwordless pages exist only with PASSWORDLESS_LOGIN=on; otherwise they are a 404.
    static let requirePasskeyLogin = "requirePasskeyLogin"

    /// Passkey-only login's routes: a 404 unless PASSKEY_LOGIN=on (issue 17).
    static func requirePasskeyLogin(_ context: RequestContext) throws -> HTTPResponse? {
        guard !context.app.config.passkeys.login else { return nil }
        return try context.render("errors/show", title: "Not found", status: 404,
                                  ["heading": "Page not found", "detail": "There is nothing at this address."])
    }

    static func requirePasswordlessLogin(_ context: RequestContext) throws -> HTTPResponse? {
        guard !context.app.config.passwordlessLogin else { return nil }
        return try context.render("errors/show", title: "Not found", status: 404,
                                  ["heading": "Page not found", "detail": "There is nothing at this address."])
    }
}
