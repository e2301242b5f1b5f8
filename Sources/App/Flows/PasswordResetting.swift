import Database
import Messaging
import Support

/// What a password reset does to an account, wherever it takes effect: at the end of "Forgot
/// your password?" (`PasswordResetsController`), or at a later login once a held reset's time
/// has come. And the held reset's other end: a login with the current password cancels it.
enum PasswordResetting {
    /// Factors stronger than a texted code. A reset of an account that has one asks for it too,
    /// so a texted code alone (a SIM swap) never takes such an account over.
    enum StrongerFactor: Equatable {
        /// An authenticator app's code, or one of the recovery codes made with it.
        case authenticatorApp
    }

    /// The stronger factors `user` has turned on. The one place another factor plugs in:
    /// passkeys (issue 17) add theirs here, and the reset's form asks for each one listed.
    static func strongerFactors(of user: User, in db: DatabaseConnection) throws -> [StrongerFactor] {
        var factors: [StrongerFactor] = []
        if try TOTPCredential.isEnabled(userID: user.id, in: db) { factors.append(.authenticatorApp) }
        return factors
    }

    /// The new password takes effect, inside the caller's transaction: every session of the
    /// account ends, its remembered devices are forgotten (its device cookies are void with the
    /// old digest they are bound to), and any held reset goes.
    static func apply(userID: Int64, digest: String, now: Int64, in db: DatabaseConnection) throws {
        try User.updatePassword(userID: userID, digest: digest, now: now, in: db)
        try User.setHasPassword(true, userID: userID, in: db)   // a passwordless sign-up's first password
        try Session.destroyAll(userID: userID, in: db)
        try RememberedDevice.revokeAll(userID: userID, in: db)
        try HeldPasswordReset.delete(userID: userID, in: db)
    }

    // MARK: Texts to the account's number

    static func changedText(brand: String) -> String {
        "Your \(brand) password was just reset and every session logged out. "
            + "If this wasn't you, reset it again now and turn on an authenticator app."
    }

    static func heldText(brand: String, until: Int64) -> String {
        "Someone asked to reset your \(brand) password from a browser we don't know. The new password works from "
            + "\(Formatting.time(until)). If this wasn't you, log in with your current password before then to cancel it."
    }

    /// Texts the account's number after the page has answered (no code, no link: what happened).
    static func tell(_ number: String, _ body: String, app: Application) {
        app.afterResponse.run {
            do {
                try app.sms.send(SMSMessage(to: number, body: body))
            } catch {
                Log.error("password reset notice to \(Redact.phone(number)) not sent: \(error)")
            }
        }
    }

    // MARK: Held resets, at a password login

    /// Before a password login is checked: a held reset whose time has come takes effect (the
    /// account is returned as it now is), and one voided by a password change since is dropped.
    /// `stillHeld`: a held reset stands and is waiting (a right password then cancels it).
    static func settleHeld(_ user: User, context: RequestContext) throws -> (user: User, stillHeld: Bool) {
        let app = context.app, now = context.now
        let found = try app.database.read { db -> (HeldPasswordReset, resetAt: Int64?)? in
            guard let held = try HeldPasswordReset.find(userID: user.id, in: db) else { return nil }
            return (held, try User.secondFactorResetAt(userID: user.id, in: db))
        }
        guard let (held, resetAt) = found else { return (user, false) }
        // A reset asked for before an operator reset the second factor (a lost phone) never applies.
        let predatesReset = resetAt.map { held.createdAt <= $0 } ?? false
        guard held.replaces(user.passwordDigest), !predatesReset else {
            if try app.database.write({ try HeldPasswordReset.delete(userID: user.id, in: $0) }) {
                context.audit(.passwordResetCancelled, userID: user.id,
                              detail: predatesReset ? "asked for before the second factor was reset" : "the password was changed since")
                app.metrics.passwordReset("cancelled")
            }
            return (user, false)
        }
        guard held.heldUntil <= now else { return (user, true) }
        // Whoever takes the row applies it: two logins at once apply it once.
        let applied = try app.database.write { db -> Bool in
            guard try HeldPasswordReset.delete(userID: user.id, in: db) else { return false }
            try apply(userID: user.id, digest: held.passwordDigest, now: now, in: db)
            return true
        }
        if applied {
            Log.info("held password reset took effect for user \(user.id)")
            context.audit(.passwordReset, userID: user.id, detail: "held reset took effect")
            app.metrics.passwordReset("reset")
            tell(user.number, changedText(brand: app.config.brandName), app: app)
        }
        return (try app.database.read { try User.find(id: user.id, in: $0) } ?? user, false)
    }

    /// What the owner reads after logging in with the current password cancelled a held reset.
    static let cancelledMessage = "A password reset asked for from a browser we don't know has been cancelled, because "
        + "you logged in with your current password. If you didn't ask for it, someone may be trying to take over "
        + "your phone number: contact your mobile operator, and turn on an authenticator app."

    /// After the current password was right, or from a signed-in page's "Cancel this reset": a
    /// held reset is cancelled (the person who knows the password is not the one who asked with
    /// a texted code). True when there was one.
    static func cancelHeld(for user: User, by how: String = "login with the current password",
                           context: RequestContext) throws -> Bool {
        let app = context.app
        guard try app.database.write({ try HeldPasswordReset.delete(userID: user.id, in: $0) }) else { return false }
        Log.info("held password reset of user \(user.id) cancelled: \(how)")
        context.audit(.passwordResetCancelled, userID: user.id, detail: how)
        app.metrics.passwordReset("cancelled")
        return true
    }
}
