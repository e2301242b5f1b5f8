import HTTP

extension Filter {
    /// Password accepted but PIN not yet entered → the PIN page. Runs after
    /// requireLogin, so a session is present here.
    public static let requireVerifiedPin = Filter("requireVerifiedPin") { context in
        guard let session = context.session, !session.isVerified else { return nil }
        return .redirect(to: "/verification/new")
    }
}
