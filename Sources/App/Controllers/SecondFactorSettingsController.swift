import HTTP
import Security
import Support
import Templates

/// The account's two-factor page (GET /user/two_factor): whether an authenticator app is on,
/// how many recovery codes are left, and the remembered devices with "Forget" buttons.
/// Changing any of it is in AuthenticatorSetupController, RecoveryCodesController and
/// RememberedDevicesController.
public struct SecondFactorSettingsController: Controller {
    public static let name = "two_factor"
    public enum Action: String { case show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/two_factor
    static func show(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        try SecondFactorSettingsPage.render(signedIn, status: 200, errors: ValidationErrors())
    }
}
