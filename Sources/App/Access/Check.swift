import HTTP

/// The checks gates are made of, each with the name `twofa routes` shows for it.
enum Check {
    static let requireLogin = "requireLogin"
    static let requireSecondFactor = "requireSecondFactor"
    static let redirectIfVerified = "redirectIfVerified"
    static let requirePasswordlessLogin = "requirePasswordlessLogin"

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
        guard let session = context.session, session.isVerified else { return nil }
        return .redirect(to: "/")
    }

    /// The passwordless pages exist only with PASSWORDLESS_LOGIN=on; otherwise they are a 404.
    static func requirePasswordlessLogin(_ context: RequestContext) throws -> HTTPResponse? {
        guard !context.app.config.passwordlessLogin else { return nil }
        return try context.render("errors/show", title: "Not found", status: 404,
                                  ["heading": "Page not found", "detail": "There is nothing at this address."])
    }
}
