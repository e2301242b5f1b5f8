import Foundation
import Messaging
import Support

/// `twofa users reset-second-factor USER`: the operator's way back for someone who lost their
/// phone and has neither an authenticator app nor recovery codes (issue 14). Removes the app,
/// recovery codes and remembered devices, ends every session, marks the number unproven (so it
/// no longer finds the account and is free for whoever proves it next), audits it, and texts
/// the old number. The next login must prove a number before anything else.
public enum SecondFactorResetCommand {
    public static let usage = "usage: twofa users reset-second-factor USER"

    /// The text to the old number: what happened, no link (phishing looks like links).
    static func noticeText(brand: String) -> String {
        "The operator of \(brand) reset your account's second factor. At your next login you will confirm "
            + "a phone number with a code. If you didn't ask for this, contact them now."
    }

    public static func run(_ config: AppConfig, username: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        let (user, reset) = try withDatabase(config) { db in
            try db.write { conn -> (User, User.SecondFactorReset) in
                guard let user = try User.find(username: username, in: conn) else {
                    throw UserAdmin.Failure("no user named \"\(username)\"")
                }
                // Without a password the account logs in by its number alone: a reset would leave no way in.
                guard try User.hasPassword(userID: user.id, in: conn) else {
                    throw UserAdmin.Failure("\(user.username) has no password (a passwordless sign-up): its number is its only "
                                            + "way in, so its second factor can't be reset. Nothing was changed.")
                }
                let reset = try User.resetSecondFactor(userID: user.id, now: now, in: conn)
                try AuditLog.record(.secondFactorReset, userID: user.id, detail: "command line", ip: "", userAgent: "",
                                    now: now, in: conn)
                return (user, reset)
            }
        }
        Log.info("second factor of user \(user.id) reset from the command line; old number \(Redact.phone(user.number)) told")
        var lines = [
            "Reset the second factor of \(user.username) (id \(user.id)):",
            "  authenticator app:  \(reset.hadApp ? "removed" : "none")",
            "  recovery codes:     \(reset.recoveryCodes) unused removed",
            "  remembered devices: \(reset.rememberedDevices) forgotten",
            "  passkeys:           \(reset.passkeys) removed",
            "  codes by e-mail:    \(reset.hadEmailFallback ? "turned off" : "were off")",
            "  sessions:           \(reset.sessions) ended",
            "  password resets:    \(reset.passwordResets == 0 ? "none" : "\(reset.passwordResets) held or in progress cancelled")",
            "  number:             \(Redact.phone(user.number)) no longer verified; the next login sets and confirms a number",
        ]
        do {
            try GatewayFactory.sms(config).send(SMSMessage(to: user.number, body: noticeText(brand: config.brandName)))
            lines.append("Texted \(Redact.phone(user.number)) that the second factor was reset.")
        } catch {
            Log.error("reset notice to \(Redact.phone(user.number)) failed: \(error)")
            throw UserAdmin.Failure(lines.joined(separator: "\n")
                                    + "\nThe reset is done, but the text to \(Redact.phone(user.number)) failed: \(error)")
        }
        return lines.joined(separator: "\n")
    }
}
