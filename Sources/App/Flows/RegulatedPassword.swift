/// One password guess under the login regulation (LOGIN_* settings), for the login form and
/// the "current password" fields alike: the attempt is written down as a failure before bcrypt
/// runs (so parallel guesses all count), a right password takes it back, and a bcrypt that
/// never ran (the pool full) does not count at all.
enum RegulatedPassword {
    enum Result {
        /// Banned or locked: the digest was not tried.
        case refused
        case wrong(lockedNow: Bool)
        case right
    }

    /// `userID` nil: an unknown username, which still costs a bcrypt (PasswordHasher) and a
    /// counted attempt per IP, so it looks like a wrong password from outside.
    static func check(_ password: String, against digest: String?, userID: Int64?,
                      context: RequestContext) throws -> Result {
        let app = context.app, ip = context.clientIP, now = context.now
        // A device cookie for this account: the device's own limits instead of the account's.
        let device = KnownDevice.key(context: context, userID: userID, passwordDigest: digest)
        let admission = try app.database.write { try app.regulation.admit(userID: userID, ip: ip, device: device, now: now, in: $0) }
        KnownDevice.record(admission, userID: userID, what: "password", context: context)
        guard case .admitted(let attempt, let lockedNow, _) = admission else {
            app.metrics.loginThrottled()
            return .refused
        }
        let matches: Bool
        do {
            matches = try app.passwords.verify(password, against: digest)
        } catch {
            // Never checked (bcrypt pool full → 503): the attempt does not count.
            try? app.database.write { try app.regulation.abandoned(attempt: attempt, userID: userID, ip: ip, now: now, in: $0) }
            throw error
        }
        guard matches, let userID else { return .wrong(lockedNow: lockedNow) }
        try app.database.write { try app.regulation.succeeded(attempt: attempt, userID: userID, ip: ip, now: now, in: $0) }
        return .right
    }
}
