import Database
import Foundation

/// One security event of an account: what happened, when, from which IP and browser.
/// Never holds a password, PIN or token; a number only masked (`Redact.phone`).
public struct AuditEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case registered
        case loginSucceeded = "login_succeeded"
        case loginFailed = "login_failed"
        case loginThrottled = "login_throttled"
        case accountLocked = "account_locked"
        case accountUnlocked = "account_unlocked"
        case pinSent = "pin_sent"
        case pinVerified = "pin_verified"
        case pinFailed = "pin_failed"
        case numberChanged = "number_changed"
        case passwordChanged = "password_changed"
        case logout
        case sessionRevoked = "session_revoked"
        case otherSessionsRevoked = "other_sessions_revoked"
        // Issue 6: authenticator app, recovery codes, remembered devices.
        case totpEnabled = "totp_enabled"
        case totpDisabled = "totp_disabled"
        case totpVerified = "totp_verified"
        case totpFailed = "totp_failed"
        case recoveryCodeUsed = "recovery_code_used"
        case recoveryCodeFailed = "recovery_code_failed"
        case recoveryCodesRegenerated = "recovery_codes_regenerated"
        case deviceRemembered = "device_remembered"
        case rememberedDeviceUsed = "remembered_device_used"
        case deviceRevoked = "device_revoked"
        // Issue 13: races and hardening.
        case numberChangeSuperseded = "number_change_superseded"
        // Issue 13: device cookies (a browser that logged in before keeps its own login limit).
        case deviceLoginPastBan = "device_login_past_ban"
        case deviceLoginLimited = "device_login_limited"
        // Issue 13: a code not sent to the account because of a sending limit (SMS_COUNTRIES, the site-wide brake).
        case sendRefused = "send_refused"
        /// Someone tried to sign up with this account's (verified) number; its owner was texted.
        case signUpWithNumber = "sign_up_with_number"
        // Issue 14: "Forgot your password?".
        case passwordResetRequested = "password_reset_requested"
        case passwordResetCodeAccepted = "password_reset_code_accepted"
        case passwordResetCodeFailed = "password_reset_code_failed"
        /// The new password was refused its second factor (app or recovery code missing or wrong).
        case passwordResetRefused = "password_reset_refused"
        case passwordReset = "password_reset"
        case passwordResetHeld = "password_reset_held"
        case passwordResetCancelled = "password_reset_cancelled"
        // Issue 14, lost phone: the operator's reset, and the number proven at the next login.
        case secondFactorReset = "second_factor_reset"
        case numberSetAfterReset = "number_set_after_reset"
        // Issue 14: leaving, and seeing what we hold.
        case accountDeleted = "account_deleted"
        case accountDeletionRefused = "account_deletion_refused"
        case dataDownloaded = "data_downloaded"
        case fullNumberShown = "full_number_shown"
        case emailAdded = "email_added"
        case emailRemoved = "email_removed"
        case emailFallbackOn = "email_fallback_on"
        case emailFallbackOff = "email_fallback_off"
        case emailCodeRefused = "email_code_refused"
        // Issue 17: passkeys.
        case passkeyAdded = "passkey_added"
        case passkeyRenamed = "passkey_renamed"
        case passkeyRemoved = "passkey_removed"
        case passkeyUsed = "passkey_used"
        case passkeyLogin = "passkey_login"
        case passkeyRefused = "passkey_refused"
        case passkeyCloneWarning = "passkey_clone_warning"

        /// What the Activity page says.
        public var label: String {
            switch self {
            case .registered: return "Account created"
            case .loginSucceeded: return "Password accepted"
            case .loginFailed: return "Wrong password"
            case .loginThrottled: return "Login refused (too many attempts)"
            case .accountLocked: return "Account locked after too many wrong passwords"
            case .accountUnlocked: return "Account unlocked by an administrator"
            case .pinSent: return "Code sent"
            case .pinVerified: return "Code accepted"
            case .pinFailed: return "Wrong code"
            case .numberChanged: return "Phone number changed"
            case .passwordChanged: return "Password changed"
            case .logout: return "Logged out"
            case .sessionRevoked: return "Session logged out"
            case .otherSessionsRevoked: return "Logged out everywhere else"
            case .totpEnabled: return "Authenticator app turned on"
            case .totpDisabled: return "Authenticator app turned off"
            case .totpVerified: return "Authenticator code accepted"
            case .totpFailed: return "Wrong authenticator code"
            case .recoveryCodeUsed: return "Recovery code used"
            case .recoveryCodeFailed: return "Wrong recovery code"
            case .recoveryCodesRegenerated: return "New recovery codes made"
            case .deviceRemembered: return "Device remembered for 30 days"
            case .rememberedDeviceUsed: return "Remembered device skipped the code"
            case .deviceRevoked: return "Remembered device forgotten"
            case .numberChangeSuperseded: return "Number change replaced by a newer one"
            case .deviceLoginPastBan: return "Login attempt from a known browser while the account was blocked to others"
            case .deviceLoginLimited: return "Login refused on a known browser (too many attempts from it)"
            case .sendRefused: return "Code not sent (sending limit)"
            case .signUpWithNumber: return "Someone tried to sign up with your number"
            case .passwordResetRequested: return "Password reset asked for"
            case .passwordResetCodeAccepted: return "Password reset code accepted"
            case .passwordResetCodeFailed: return "Wrong password reset code"
            case .passwordResetRefused: return "Password reset refused (second factor missing or wrong)"
            case .passwordReset: return "Password reset"
            case .passwordResetHeld: return "Password reset held back (asked for from an unknown browser)"
            case .passwordResetCancelled: return "Held password reset cancelled"
            case .secondFactorReset: return "Second factor reset by the operator"
            case .numberSetAfterReset: return "Phone number confirmed after a reset"
            case .accountDeleted: return "Account deleted"
            case .accountDeletionRefused: return "Account deletion refused (wrong password or code)"
            case .dataDownloaded: return "Your data downloaded"
            case .fullNumberShown: return "Full phone number shown"
            case .emailAdded: return "E-mail address confirmed"
            case .emailRemoved: return "E-mail address removed"
            case .emailFallbackOn: return "Codes by e-mail turned on"
            case .emailFallbackOff: return "Codes by e-mail turned off"
            case .emailCodeRefused: return "Code by e-mail refused (not turned on)"
            case .passkeyAdded: return "Passkey added"
            case .passkeyRenamed: return "Passkey renamed"
            case .passkeyRemoved: return "Passkey removed"
            case .passkeyUsed: return "Passkey used for the second step"
            case .passkeyLogin: return "Signed in with a passkey"
            case .passkeyRefused: return "Passkey refused"
            case .passkeyCloneWarning: return "Passkey's sign counter went backwards (it may have been copied)"
            }
        }

        /// Failures and refusals stand out on the page.
        public var isWarning: Bool {
            [.loginFailed, .loginThrottled, .accountLocked, .pinFailed, .sendRefused, .totpFailed, .recoveryCodeFailed,
             .deviceLoginPastBan, .deviceLoginLimited, .signUpWithNumber,
             .passwordResetCodeFailed, .passwordResetRefused, .passwordResetHeld, .passwordResetCancelled,
             .accountDeletionRefused, .emailCodeRefused, .passkeyRefused, .passkeyCloneWarning].contains(self)
        }
    }

    public let id: Int64
    public let userID: Int64?
    /// A deleted account's random name (`deleted-…`), once `userID` is gone; nil otherwise.
    public let tombstone: String?
    /// Raw name as stored (an unknown one from a newer version still shows).
    public let event: String
    public let detail: String
    public let ip: String
    public let userAgent: String
    public let createdAt: Int64

    public var kind: Kind? { Kind(rawValue: event) }

    init(row: Row) {
        id = row.int64("id") ?? 0
        userID = row.int64("user_id")
        tombstone = row.string("tombstone")
        event = row.string("event") ?? ""
        detail = row.string("detail") ?? ""
        ip = row.string("ip") ?? ""
        userAgent = row.string("user_agent") ?? ""
        createdAt = row.int64("created_at") ?? 0
    }

    static let columns = "id, user_id, tombstone, event, detail, ip, user_agent, created_at"

    /// The newest `limit` events of a user, newest first.
    public static func recent(userID: Int64, limit: Int = 20, in db: DatabaseConnection) throws -> [AuditEvent] {
        try db.query("SELECT \(columns) FROM audit_events WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                     [.integer(userID), .integer(Int64(limit))]).map(AuditEvent.init)
    }

    /// The newest `limit` events of a deleted account, by its tombstone, newest first.
    public static func recent(tombstone: String, limit: Int = 20, in db: DatabaseConnection) throws -> [AuditEvent] {
        try db.query("SELECT \(columns) FROM audit_events WHERE tombstone = ? ORDER BY id DESC LIMIT ?",
                     [.text(tombstone), .integer(Int64(limit))]).map(AuditEvent.init)
    }

    /// How many events a user has.
    public static func count(userID: Int64, in db: DatabaseConnection) throws -> Int {
        try db.queryOne("SELECT count(*) AS n FROM audit_events WHERE user_id = ?", [.integer(userID)])?.int("n") ?? 0
    }

    /// Every event of a user, oldest first (the data export: the whole log, not a page of it).
    public static func all(userID: Int64, in db: DatabaseConnection) throws -> [AuditEvent] {
        try db.query("SELECT \(columns) FROM audit_events WHERE user_id = ? ORDER BY id", [.integer(userID)]).map(AuditEvent.init)
    }
}

/// Writes audit events. The hook for every part of the app (controllers, the Verify engine):
///
///     try AuditLog.record(.pinSent, userID: user.id, detail: "sms", ip: ip, userAgent: agent, now: now, in: db)
///
/// inside a transaction the caller already holds, or `context.audit(.pinVerified, userID: …)`
/// from a controller (its own small write). `detail` must never carry a secret: a channel
/// name, a masked number (`Redact.phone`), a reason word.
public enum AuditLog {
    public static func record(_ kind: AuditEvent.Kind, userID: Int64?, detail: String = "", ip: String, userAgent: String,
                              now: Int64, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO audit_events (user_id, event, detail, ip, user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [userID.map { .integer($0) } ?? .null, .text(kind.rawValue), .text(String(detail.prefix(200))),
                  .text(String(ip.prefix(64))), .text(String(userAgent.prefix(256))), .integer(now)])
    }

    /// An event of an account already deleted (its last one: `accountDeleted`), kept under its tombstone.
    static func record(_ kind: AuditEvent.Kind, tombstone: User.Tombstone, detail: String = "", ip: String, userAgent: String,
                       now: Int64, in db: DatabaseConnection) throws {
        try db.execute("""
            INSERT INTO audit_events (tombstone, event, detail, ip, user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(tombstone.id), .text(kind.rawValue), .text(String(detail.prefix(200))),
                  .text(String(ip.prefix(64))), .text(String(userAgent.prefix(256))), .integer(now)])
    }
}
