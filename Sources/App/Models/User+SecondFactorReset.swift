import Database

/// An operator's reset of a lost second factor (`twofa users reset-second-factor`, issue 14):
/// the account's app, recovery codes, passkeys, remembered devices and sessions go, codes by
/// e-mail are turned off (the address stays, unproven as a factor until turned on again), its number is no
/// longer proven, and its next login must prove a number (`NewNumberStepController`) before
/// anything else.
extension User {
    /// What the reset removed, for the operator's answer.
    public struct SecondFactorReset: Equatable, Sendable {
        public let hadApp: Bool
        public let recoveryCodes: Int
        public let rememberedDevices: Int
        /// Passkeys removed: a lost phone often holds the account's synced passkey.
        public let passkeys: Int
        /// Whether codes by e-mail had been turned on (now off).
        public let hadEmailFallback: Bool
        public let sessions: Int
        /// Password resets held back or in progress: asked for with a texted code, they must not
        /// outlive the operator's answer to a lost phone (the thief may hold the SIM).
        public let passwordResets: Int
    }

    /// Removes the account's second factors and sessions and marks its number unproven, in the
    /// caller's transaction. The number is then unique to nobody (migration 0040): it no
    /// longer finds the account for a passwordless login, and whoever proves it next may have it.
    static func resetSecondFactor(userID: Int64, now: Int64, in db: DatabaseConnection) throws -> SecondFactorReset {
        let hadApp = try TOTPCredential.isEnabled(userID: userID, in: db)
        let codes = try RecoveryCode.remaining(userID: userID, in: db)
        try TOTPCredential.delete(userID: userID, in: db)
        try RecoveryCode.deleteAll(userID: userID, in: db)
        let devices = try RememberedDevice.revokeAll(userID: userID, in: db)
        try db.execute("DELETE FROM passkeys WHERE user_id = ?", [.integer(userID)])
        let passkeys = db.changes
        try db.execute("UPDATE user_emails SET fallback = 0 WHERE user_id = ? AND fallback <> 0", [.integer(userID)])
        let hadEmailFallback = db.changes > 0
        try db.execute("DELETE FROM sessions WHERE user_id = ?", [.integer(userID)])
        let sessions = db.changes
        try db.execute("DELETE FROM held_password_resets WHERE user_id = ?", [.integer(userID)])
        var resets = db.changes
        try db.execute("DELETE FROM password_resets WHERE user_id = ?", [.integer(userID)])
        resets += db.changes
        try db.execute("""
            UPDATE users SET number_verified_at = NULL, second_factor_reset_at = ?, updated_at = ? WHERE id = ?
            """, [.integer(now), .integer(now), .integer(userID)])
        return SecondFactorReset(hadApp: hadApp, recoveryCodes: codes, rememberedDevices: devices, passkeys: passkeys,
                                 hadEmailFallback: hadEmailFallback, sessions: sessions, passwordResets: resets)
    }

    /// Whether the account was reset and has not proven a number since: its logins must set one.
    static func mustSetNumber(userID: Int64, in db: DatabaseConnection) throws -> Bool {
        try db.queryOne("SELECT second_factor_reset_at FROM users WHERE id = ?", [.integer(userID)])?
            .int64("second_factor_reset_at") != nil
    }

    /// When the account's second factor was reset and no number has been proven since; nil otherwise.
    static func secondFactorResetAt(userID: Int64, in db: DatabaseConnection) throws -> Int64? {
        try db.queryOne("SELECT second_factor_reset_at FROM users WHERE id = ?", [.integer(userID)])?.int64("second_factor_reset_at")
    }

    /// The number step is done: the number (already swapped in and proven by `NumberChange.apply`)
    /// stands, and logins go back to the usual second step.
    static func clearSecondFactorReset(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("UPDATE users SET second_factor_reset_at = NULL WHERE id = ?", [.integer(userID)])
    }
}
