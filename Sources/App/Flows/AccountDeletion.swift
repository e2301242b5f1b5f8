import Database
import Foundation
import Messaging
import Support

/// Deleting an account: the one way it happens, for the web (`DELETE /user`, once the password
/// and a second factor were right) and the command line (`twofa users delete USER`). One write
/// transaction removes every row about the account (`User.erase`) and leaves its audit trail
/// under a random tombstone, ending with an `account_deleted` event; then the number is texted
/// a goodbye. Its username and number are free from that moment.
enum AccountDeletion {
    /// Who asked, for the audit trail: "web" or "command line", with the browser's address.
    struct Origin {
        let via: String
        var ip = ""
        var userAgent = ""
    }

    /// `sendWindow`: VERIFY_SEND_WINDOW, over which the send limits count what was sent (`User.erase`).
    @discardableResult
    static func run(_ user: User, origin: Origin, database: Database, sms: SMSGateway, brand: String, sendWindow: Int,
                    now: Int64) throws -> User.Tombstone {
        let tombstone = User.Tombstone.make()
        try database.write { db in
            try User.erase(user, tombstone: tombstone, now: now, sendWindow: sendWindow, in: db)
            try AuditLog.record(.accountDeleted, tombstone: tombstone, detail: "\(origin.via), \(Redact.phone(user.number))",
                                ip: origin.ip, userAgent: origin.userAgent, now: now, in: db)
        }
        Log.info("user \(user.id) deleted (\(origin.via)); its audit trail is kept as \(tombstone)")
        // Only a number the account proved is told: an unfinished sign-up's number may be a stranger's.
        if user.numberVerifiedAt != nil {
            do {
                try sms.send(SMSMessage(to: user.number, body: goodbyeText(brand: brand)))
            } catch {
                // The deletion stands; the notice is best effort.
                Log.error("goodbye text to \(Redact.phone(user.number)) failed: \(error)")
            }
        }
        return tombstone
    }

    /// No link (phishing looks like links): what happened, and what to do if it wasn't them.
    static func goodbyeText(brand: String) -> String {
        "Your \(brand) account has been deleted, with everything it held. If this wasn't you, contact support."
    }
}
