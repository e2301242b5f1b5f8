import HTTP
import Support

/// "Cancel this reset" (DELETE /user/held_password_reset): the banner every signed-in page shows
/// while a password reset is held (see `PasswordResetting`). The owner's sessions stay during the
/// hold, so they can cancel it from any of them, without a login a stranger could block.
public struct HeldPasswordResetsController: Controller {
    public static let name = "held_password_resets"
    public enum Action: String { case destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        if try PasswordResetting.cancelHeld(for: signedIn.user, by: "cancelled from a signed-in page", context: context) {
            context.flash(.notice, "The password reset has been cancelled: your current password stays. If you didn't ask for it, "
                          + "someone may be trying to take over your phone number: contact your mobile operator, and turn on an authenticator app.")
        } else {
            context.flash(.alert, "There was no password reset waiting to take effect.")
        }
        return context.redirect(to: "/")
    }
}
