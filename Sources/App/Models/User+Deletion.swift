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
    static func erase(_ user: User, tombstone: Tombstone, in db: DatabaseConnection) throws {
        let id = SQLValue.integer(user.id), number = SQLValue.text(user.number)
        // The trail first: rows still naming the user get the tombstone and lose the user id
        // (the schema would only null it), and any number in a detail is masked again.
        let rows = try db.query("SELECT id, detail FROM audit_events WHERE user_id = ?", [id])
        for row in rows {
            let detail = row.string("detail") ?? ""
            let masked = maskNumbers(in: detail, number: user.number)
            try db.execute("UPDATE audit_events SET user_id = NULL, tombstone = ?, detail = ? WHERE id = ?",
                           [.text(tombstone.id), .text(masked), .integer(row.int64("id") ?? 0)])
        }
        // Pending second-step state (with the codes a pending number change sent to its new
        // number), then credentials and devices, then the sessions.
        try db.execute("""
            DELETE FROM verify_requests WHERE account_id = ? AND request_id IN
                (SELECT verify_request_id FROM number_changes WHERE user_id = ? AND verify_request_id IS NOT NULL)
            """, [.text(TextedCode.accountID), id])
        try db.execute("DELETE FROM account_deletions WHERE user_id = ?", [id])
        try db.execute("DELETE FROM password_resets WHERE user_id = ?", [id])
        try db.execute("DELETE FROM held_password_resets WHERE user_id = ?", [id])
        try db.execute("DELETE FROM number_changes WHERE user_id = ?", [id])
        try db.execute("DELETE FROM passwordless_logins WHERE number = ?", [number])
        try db.execute("DELETE FROM totp_credentials WHERE user_id = ?", [id])
        try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [id])
        try db.execute("DELETE FROM remembered_devices WHERE user_id = ?", [id])
        try db.execute("DELETE FROM login_devices WHERE user_id = ?", [id])
        try db.execute("DELETE FROM login_failures WHERE user_id = ?", [id])
        try db.execute("DELETE FROM second_factor_failures WHERE user_id = ?", [id])
        // Bans name the account by its id as text: SQLite may give that id to the next sign-up.
        try db.execute("DELETE FROM login_bans WHERE scope = 'user' AND subject = ?", [.text(String(user.id))])
        try db.execute("DELETE FROM sessions WHERE user_id = ?", [id])
        // The web flows' codes to the number (their events and checks go with them); the API's
        // requests belong to the API clients, not to this account.
        try db.execute("DELETE FROM verify_requests WHERE account_id = ? AND number = ?", [.text(TextedCode.accountID), number])
        // The sign-up limit remembers which number it told; the number is no one's now.
        try db.execute("UPDATE signup_attempts SET notified_number = NULL WHERE notified_number = ?", [number])
        try db.execute("DELETE FROM users WHERE id = ?", [id])
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
