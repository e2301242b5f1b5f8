import HTTP

extension Filter {
    /// Someone fully logged in has no business on the sign-up, login or PIN pages.
    public static let redirectIfVerified = Filter("redirectIfVerified") { context in
        guard let session = context.session, session.isVerified else { return nil }
        return .redirect(to: "/")
    }
}
