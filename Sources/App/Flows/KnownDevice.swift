import HTTP

/// The device cookie (`DeviceCookie`) at the web's edge: every completed login issues one, and
/// every password or passwordless-code attempt reads it, so `LoginRegulation` can tell the
/// account's own browsers from strangers.
enum KnownDevice {
    /// This browser's device key when its device cookie is genuine for `userID`; nil for none,
    /// a forged or altered one, one for another account, or an unknown username.
    /// `passwordDigest`: the account's current one (a cookie made before a password change is void).
    static func key(context: RequestContext, userID: Int64?, passwordDigest: String?) -> String? {
        guard let userID, let passwordDigest, let value = context.cookie(DeviceCookie.name), !value.isEmpty else { return nil }
        return DeviceCookie.device(value, userID: userID, passwordDigest: passwordDigest, keys: context.app.keys)
    }

    /// After a login completed (both factors, any way): a fresh cookie for `userID`, replacing
    /// any other account's (one browser is a known device of the last account it logged in to).
    static func issue(context: RequestContext, userID: Int64, passwordDigest: String) {
        var cookie = Cookie(name: DeviceCookie.name,
                            value: DeviceCookie.make(userID: userID, passwordDigest: passwordDigest, keys: context.app.keys))
        cookie.maxAge = Int(DeviceCookie.lifetime)
        context.setCookie(cookie)   // HttpOnly, SameSite=Lax, Secure with SECURE_COOKIES or HTTPS
    }

    /// The audit event and counter for what the regulation did with a known device: let it past
    /// the account's ban or lock, or refused it by the device's own limit.
    static func record(_ admission: LoginRegulation.Admission, userID: Int64?, what: String, context: RequestContext) {
        guard let userID else { return }
        switch admission {
        case .admitted(_, _, pastBan: true):
            context.app.metrics.deviceLoginPastBan()
            context.audit(.deviceLoginPastBan, userID: userID, detail: what)
        case .refused(let refusal) where refusal.isDevice:
            context.app.metrics.deviceLoginLimited()
            context.audit(.deviceLoginLimited, userID: userID, detail: "\(what), \(refusal == .deviceLocked ? "locked" : "banned")")
        default:
            break
        }
    }
}
