import Database
import Foundation
import Support

/// Operator commands on accounts: `twofa users list|show|delete|unlock` and `twofa audit`.
/// Each opens the database (applying pending migrations), does one thing and returns the
/// text to print. Numbers are shown masked, as everywhere else.
public enum UserAdmin {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public static func list(_ config: AppConfig) throws -> String {
        try withDatabase(config) { db in
            let rows = try db.read { try $0.query("""
                SELECT u.id, u.username, u.number, u.created_at, u.locked_at,
                       (SELECT count(*) FROM sessions s WHERE s.user_id = u.id) AS sessions
                FROM users u ORDER BY u.id
                """) }
            if rows.isEmpty { return "No users." }
            let table = [["ID", "USERNAME", "NUMBER", "CREATED", "SESSIONS", "STATE"]] + rows.map { row in
                [String(row.int64("id") ?? 0), row.string("username") ?? "", Redact.phone(row.string("number") ?? ""),
                 Formatting.time(row.int64("created_at") ?? 0), String(row.int("sessions") ?? 0),
                 row.int64("locked_at") == nil ? "active" : "locked"]
            }
            return format(table)
        }
    }

    public static func show(_ config: AppConfig, username: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        try withDatabase(config) { db in
            try db.read { conn in
                let user = try find(username, in: conn)
                let state = try LoginRegulation.status(userID: user.id, now: now, in: conn)
                let sessions = try conn.queryOne("SELECT count(*) AS n FROM sessions WHERE user_id = ?", [.integer(user.id)])?.int("n") ?? 0
                var lines = [
                    "id:               \(user.id)",
                    "username:         \(user.username)",
                    "number:           \(Redact.phone(user.number))\(user.numberVerifiedAt == nil ? " (not verified)" : "")",
                    "created:          \(Formatting.time(user.createdAt))",
                    "sessions:         \(sessions)",
                    "failed logins:    \(state.failedLogins) in a row (locked for good at \(LoginRegulation.consecutiveFailureCap))",
                ]
                if let locked = state.lockedAt {
                    lines.append("state:            LOCKED since \(Formatting.time(locked)) — `twofa users unlock \(user.username)`")
                } else if let until = state.bannedUntil {
                    lines.append("state:            banned after failed logins until \(Formatting.time(until))")
                } else {
                    lines.append("state:            active")
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    /// Deletes the account exactly as its owner would on the web (`AccountDeletion`): every row
    /// about it goes, its audit trail stays under a tombstone, its number is texted a goodbye
    /// through the configured gateway.
    public static func delete(_ config: AppConfig, username: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        let sms = try GatewayFactory.sms(config)
        return try withDatabase(config) { db in
            let user = try db.read { try find(username, in: $0) }
            let tombstone = try AccountDeletion.run(user, origin: .init(via: "command line"), database: db, sms: sms,
                                                    brand: config.brandName, sendWindow: config.verifySendWindow, now: now)
            return "Deleted user \(user.username) (id \(user.id)) and everything that belonged to it.\n"
                + "Its audit trail is kept as \(tombstone): `twofa audit \(tombstone)`."
        }
    }

    /// Lifts the 100-failure lock and any temporary ban of the account.
    public static func unlock(_ config: AppConfig, username: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        try withDatabase(config) { db in
            try db.write { conn in
                let user = try find(username, in: conn)
                try LoginRegulation.unlock(userID: user.id, in: conn)
                try AuditLog.record(.accountUnlocked, userID: user.id, detail: "command line", ip: "", userAgent: "", now: now, in: conn)
                return "Unlocked \(user.username): failed-login count reset, bans lifted."
            }
        }
    }

    /// `twofa audit USER`: the newest events, newest first. A deleted account's trail is read
    /// by its tombstone (`twofa audit deleted-…`, as `twofa users delete` printed it).
    public static func audit(_ config: AppConfig, username: String, limit: Int = 20) throws -> String {
        try withDatabase(config) { db in
            try db.read { conn in
                let events: [AuditEvent], name: String
                if User.Tombstone.looksLike(username) {
                    events = try AuditEvent.recent(tombstone: username, limit: limit, in: conn)
                    if events.isEmpty { throw Failure("no events kept for \(username)") }
                    name = username
                } else {
                    let user = try find(username, in: conn)
                    events = try AuditEvent.recent(userID: user.id, limit: limit, in: conn)
                    name = user.username
                }
                if events.isEmpty { return "No events for \(name)." }
                let table = [["TIME", "EVENT", "DETAIL", "IP", "BROWSER"]] + events.map { e in
                    [Formatting.time(e.createdAt), e.event, e.detail, e.ip.isEmpty ? "-" : e.ip,
                     UserAgentSummary.describe(e.userAgent)]
                }
                return format(table)
            }
        }
    }

    // MARK: Internals

    private static func find(_ username: String, in db: DatabaseConnection) throws -> User {
        guard let user = try User.find(username: username, in: db) else { throw Failure("no user named \"\(username)\"") }
        return user
    }

    private static func format(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
