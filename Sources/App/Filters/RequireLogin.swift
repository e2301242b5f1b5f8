import HTTP

extension Filter {
    /// No session (or an expired one) → the login page.
    public static let requireLogin = Filter("requireLogin") { context in
        guard context.session == nil else { return nil }
        context.flash(.alert, "Please log in to continue.")
        return .redirect(to: "/session/new")
    }
}
