import Database
import Foundation
import Security
import Support

extension User {
    /// What is left of a deleted account: the random name its audit rows now carry.
    public struct Tombstone: Sendable, Equatable, CustomStringConvertible {
        public let id: String
        public var description: String { id }

        static let prefix = "deleted-"

        /// 16 random bytes: not derivable from the username or the number, so the operator's
        /// trail can't be tied back to the person by anyone who only knows who they were.
        static func make() -> Tombstone { Tombstone(id: prefix + Hex.encode(SecureRandom.bytes(16))) }

        /// Whether `text` names a tombstone (`twofa audit deleted-…`) rather than a username,
        /// which can't contain one: usernames are 3 to 32 characters and this is 40.
        public static func looksLike(_ text: String) -> Bool {
            text.hasPrefix(prefix) && text.count == prefix.count + 32 && text.dropFirst(prefix.count).allSatisfy(\.isHexDigit)
        }
    }

    /// Removes the account and every row about it, in the caller's transaction, and keeps its
    /// audit trail under `tombstone` with no personal data: detached from the user, numbers
    /// masked. Every table that names the user, its number or its sessions is cleared here by
    /// name (not left to the foreign keys), so a table added later shows up in review.
    ///
    /// The web flows' Verify requests are the exception the send limits need: those that ended
    /// within `sendWindow` seconds of `now` stay (live ones are cancelled first), so deleting an
    /// account never gives its number or its address their sends back. They name no account;
    /// the pruner takes them like any other request.
    ///
    /// A bounded number of statements, whatever the size of the account's log or history.
    static func erase(_ user: User, tombstone: Tombstone, now: Int64, sendWindow: Int, in db: DatabaseConnection) throws {
        let id = SQLValue.integer(user.id), number = SQLValue.text(user.number)
        // The trail first, in one statement: rows still naming the user get the tombstone and
        // lose the user id (the schema would only null it), and the account's number in a
        // detail is masked again.
        try db.execute("UPDATE audit_events SET user_id = NULL, tombstone = ?, detail = REPLACE(detail, ?, ?) WHERE user_id = ?",
                       [.text(tombstone.id), number, .text(Redact.phone(user.number)), id])
        // The net for any other number that slipped into a detail: only rows with 7 or more
        // digits are read back (a masked number shows 4 to 6), and only those that change are written.
        for row in try db.query("SELECT id, detail FROM audit_events WHERE tombstone = ? AND \(digitCount("detail")) >= 7",
                                [.text(tombstone.id)]) {
            let detail = row.string("detail") ?? ""
            let masked = maskNumbers(in: detail, number: user.number)
            if masked != detail {
                try db.execute("UPDATE audit_events SET detail = ? WHERE id = ?", [.text(masked), .integer(row.int64("id") ?? 0)])
            }
        }
        // The web flows' codes to the number, and those a pending number change sent to its new
        // number (the API's requests belong to the API clients, not to this account). What the
        // send limits still count stays; the rest goes now, with its events and checks.
        let webRequests = """
            account_id = ? AND (number = ? OR request_id IN
                (SELECT verify_request_id FROM number_changes WHERE user_id = ? AND verify_request_id IS NOT NULL)
                OR number IN (SELECT address FROM user_emails WHERE user_id = ?)
                OR request_id IN (SELECT verify_request_id FROM email_changes WHERE user_id = ? AND verify_request_id IS NOT NULL))
            """
        let web: [SQLValue] = [.text(TextedCode.accountID), number, id, id, id]
        try db.execute("""
            UPDATE verify_requests SET status = 'CANCELLED', finalized_at = ?, next_event_at = NULL, pin_digest = NULL
            WHERE status = 'IN PROGRESS' AND \(webRequests)
            """, [.integer(now)] + web)
        try db.execute("DELETE FROM verify_requests WHERE status <> 'IN PROGRESS' AND finalized_at <= ? AND \(webRequests)",
                       [.integer(now - Int64(sendWindow))] + web)
        // Pending second-step state, then credentials and devices, then the sessions.
        try db.execute("DELETE FROM account_deletions WHERE user_id = ?", [id])
        try db.execute("DELETE FROM password_resets WHERE user_id = ?", [id])
        try db.execute("DELETE FROM held_password_resets WHERE user_id = ?", [id])
        try db.execute("DELETE FROM number_changes WHERE user_id = ?", [id])
        try db.execute("DELETE FROM email_changes WHERE user_id = ?", [id])
        try db.execute("DELETE FROM user_emails WHERE user_id = ?", [id])
        try db.execute("DELETE FROM passwordless_logins WHERE number = ?", [number])
        try db.execute("DELETE FROM totp_credentials WHERE user_id = ?", [id])
        try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [id])
        try db.execute("DELETE FROM remembered_devices WHERE user_id = ?", [id])
        try db.execute("DELETE FROM login_devices WHERE user_id = ?", [id])
        try db.execute("DELETE FROM login_failures WHERE user_id = ?", [id])
        try db.execute("DELETE FROM second_factor_failures WHERE user_id = ?", [id])
        // Bans name the account by its id as text, in every form the regulations write (a
        // password ban, and a ban by wrong second-factor codes): SQLite may give that id to the
        // next sign-up, which must not start banned.
        try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject IN (?, ?)",
                       [.text(String(user.id)), .text(SecondFactorRegulation.codesSubject(user.id))])
        try db.execute("DELETE FROM sessions WHERE user_id = ?", [id])
        // The sign-up limit remembers which number it told; the number is no one's now.
        try db.execute("UPDATE signup_attempts SET notified_number = NULL WHERE notified_number = ?", [number])
        try db.execute("DELETE FROM users WHERE id = ?", [id])
    }

    /// SQL for the number of digits in `column`, the same text on both engines (no regular
    /// expressions in SQLite): its length less its length with every digit removed.
    static func digitCount(_ column: String) -> String {
        let stripped = (0...9).reduce(column) { "REPLACE(\($0), '\($1)', '')" }
        return "(length(\(column)) - length(\(stripped)))"
    }

    /// `detail` with the account's number, and any other run of 7 or more digits that could be
    /// one, shown only as `Redact.phone` shows numbers. Details are written masked already; this
    /// is the net for anything that slipped through.
    static func maskNumbers(in detail: String, number: String) -> String {
        var text = detail.replacingOccurrences(of: number, with: Redact.phone(number))
        guard let pattern = try? NSRegularExpression(pattern: #"\+?[0-9][0-9 \-]{5,}[0-9]"#) else { return text }
        // Last match first, so the ranges still to replace stay where they were.
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range, in: text), text[range].filter(\.isNumber).count >= 7 else { continue }
            text.replaceSubrange(range, with: Redact.phone(String(text[range])))
        }
        return text
    }
}
