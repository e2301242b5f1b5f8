import HTTP
import Support

/// Forgetting a remembered device (DELETE /user/remembered_devices, form field `id`): its row
/// goes, so its cookie no longer skips the second factor.
public struct RememberedDevicesController: Controller {
    public static let name = "remembered_devices"
    public enum Action: String { case destroy }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        guard let id = Int64(context.params["id"]) else {
            context.flash(.alert, "Choose a device to forget.")
            return context.redirect(to: "/user/two_factor")
        }
        let revoked = try context.app.database.write { try RememberedDevice.revoke(id: id, userID: user.id, in: $0) }
        if revoked {
            context.audit(.deviceRevoked, userID: user.id)
            Log.info("user \(user.id) forgot a remembered device")
            // This browser's own cookie is now worthless: drop it too.
            if let cookie = context.cookie(RememberedDevice.cookieName), cookie.hasPrefix("\(id).") {
                context.clearCookie(RememberedDevice.cookieName)
            }
            context.flash(.notice, "That device will be asked for a code at its next login.")
        } else {
            context.flash(.alert, "That device had already been forgotten.")
        }
        return context.redirect(to: "/user/two_factor")
    }
}
