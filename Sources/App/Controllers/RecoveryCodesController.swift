import HTTP
import Support
import Templates

/// Recovery codes: a new set on demand (current password + a second factor), which replaces
/// the old one. The codes are shown on the answer page once; only their digests are kept.
public struct RecoveryCodesController: Controller {
    public static let name = "recovery_codes"
    public enum Action: String { case create }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// POST /user/recovery_codes
    func create(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        let app = context.app
        guard try app.database.read({ try TOTPCredential.isEnabled(userID: user.id, in: $0) }) else {
            context.flash(.alert, "Recovery codes come with an authenticator app: set one up first.")
            return context.redirect(to: "/user/two_factor")
        }
        let errors = try Reauthentication.check(signedIn)
        guard errors.isEmpty else { return try SecondFactorSettingsPage.render(signedIn.readOnly, status: 422, errors: errors) }
        let codes = try app.database.write { try RecoveryCode.replaceAll(userID: user.id, keys: app.keys, now: context.now, in: $0) }
        Log.info("new recovery codes for user \(user.id)")
        context.audit(.recoveryCodesRegenerated, userID: user.id)
        return try RecoveryCodesPage.render(codes, context: context, intro: .newSet)
    }
}
