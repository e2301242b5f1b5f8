import Database
import Foundation
import Messaging
import Support
import Templates

/// What we hold about an account, as its owner sees it on /user/data and downloads it as JSON
/// (issue 14). Built from an allow-list of fields: never a password digest, TOTP secret,
/// recovery code, session or device token, nor any hash of one. The number is masked unless
/// the session gave the password again just before (`fullNumber`).
struct AccountData {
    let username: String
    let number: String
    let fullNumber: Bool
    let numberVerified: Bool
    /// The confirmed e-mail address (issue 16), masked like the number; nil when none.
    let email: String?
    let emailCodes: Bool
    let createdAt: Int64
    let lastLoginAt: Int64?
    let hasPassword: Bool
    let appEnabled: Bool
    let recoveryCodesLeft: Int
    let sessions: [ActiveSession]
    let devices: [RememberedDevice]
    /// Issue 17: names and times only (never a credential ID, key or user handle).
    let passkeys: [Passkey]
    /// The activity log, oldest first: all of it, or the page's newest `pageEvents`.
    let events: [AuditEvent]
    /// Events of the log not in `events` (older than the page shows; the download holds them).
    let olderEvents: Int

    /// The page shows this many of the newest events: a log can be long (AUDIT_RETENTION_DAYS
    /// of it), and the page is rendered whole. The download holds every one.
    static let pageEvents = 200

    /// `wholeLog`: every event (the download); otherwise the newest `pageEvents` (the page).
    static func gather(_ user: User, fullNumber: Bool, wholeLog: Bool, now: Int64, config: AppConfig,
                       in db: DatabaseConnection) throws -> AccountData {
        let events: [AuditEvent], older: Int
        if wholeLog {
            events = try AuditEvent.all(userID: user.id, in: db)
            older = 0
        } else {
            events = try AuditEvent.recent(userID: user.id, limit: pageEvents, in: db).reversed()
            older = events.count < pageEvents ? 0 : try AuditEvent.count(userID: user.id, in: db) - events.count
        }
        let email = try UserEmail.find(userID: user.id, in: db)
        let lastLogin = try db.queryOne("SELECT max(verified_at) AS at FROM sessions WHERE user_id = ?",
                                        [.integer(user.id)])?.int64("at")
        return AccountData(
            username: user.username,
            number: fullNumber ? user.number : Redact.phone(user.number),
            fullNumber: fullNumber,
            numberVerified: user.numberVerifiedAt != nil,
            email: email.map { fullNumber ? $0.address : EmailAddress.redact($0.address) },
            emailCodes: email?.fallback ?? false,
            createdAt: user.createdAt,
            lastLoginAt: lastLogin,
            hasPassword: try User.hasPassword(userID: user.id, in: db),
            appEnabled: try TOTPCredential.isEnabled(userID: user.id, in: db),
            recoveryCodesLeft: try RecoveryCode.remaining(userID: user.id, in: db),
            sessions: try Session.active(userID: user.id, now: now, idleTimeout: config.sessionIdleTimeout,
                                         lifetime: config.sessionLifetime, in: db),
            devices: try RememberedDevice.active(userID: user.id, now: now, in: db),
            passkeys: try Passkey.all(userID: user.id, in: db),
            events: events, olderEvents: older)
    }

    // MARK: The download

    /// The JSON document: the same content as the page, times in ISO 8601 (UTC).
    var json: JSONValue {
        .object([
            ("account", .object([
                ("username", .string(username)),
                ("number", .string(number)),
                ("number_shown_in_full", .bool(fullNumber)),
                ("number_verified", .bool(numberVerified)),
                ("email", email.map(JSONValue.string) ?? .null),
                ("created_at", Self.time(createdAt)),
                ("last_login_at", lastLoginAt.map(Self.time) ?? .null),
            ])),
            ("factors", .object([
                ("password", .bool(hasPassword)),
                ("texted_code", .bool(true)),
                ("authenticator_app", .bool(appEnabled)),
                ("emailed_code", .bool(emailCodes)),
                ("recovery_codes_left", .int(Int64(recoveryCodesLeft))),
                ("remembered_device_count", .int(Int64(devices.count))),
                ("passkey_count", .int(Int64(passkeys.count))),
            ])),
            ("passkeys", passkeysJSON),
            ("sessions", .array(sessions.map { s in
                .object([
                    ("browser", .string(UserAgentSummary.describe(s.userAgent))),
                    ("user_agent", .string(s.userAgent)),
                    ("ip", .string(s.ip)),
                    ("signed_in_at", Self.time(s.createdAt)),
                    ("last_seen_at", Self.time(s.lastSeenAt)),
                    ("both_steps_done", .bool(s.verified)),
                ])
            })),
            ("remembered_devices", .array(devices.map { d in
                .object([
                    ("browser", .string(UserAgentSummary.describe(d.userAgent))),
                    ("user_agent", .string(d.userAgent)),
                    ("ip", .string(d.ip)),
                    ("remembered_at", Self.time(d.createdAt)),
                    ("last_used_at", d.lastUsedAt.map(Self.time) ?? .null),
                    ("expires_at", Self.time(d.expiresAt)),
                ])
            })),
            ("activity", .array(events.map { e in
                .object([
                    ("at", Self.time(e.createdAt)),
                    ("event", .string(e.event)),
                    ("what", .string(e.kind?.label ?? e.event)),
                    ("detail", .string(e.detail)),
                    ("ip", .string(e.ip)),
                    ("user_agent", .string(e.userAgent)),
                ])
            })),
        ])
    }

    /// Separate from `json`, whose one expression would otherwise be too long to type-check.
    private var passkeysJSON: JSONValue {
        .array(passkeys.map { p -> JSONValue in
            let lastUsed: JSONValue = p.lastUsedAt.map(Self.time) ?? .null
            let warned: JSONValue = p.cloneWarnedAt.map(Self.time) ?? .null
            return .object([("name", .string(p.name)), ("added_at", Self.time(p.createdAt)), ("last_used_at", lastUsed),
                            ("synced", .bool(p.backedUp)), ("counter_went_back_at", warned)])
        })
    }

    private static func time(_ seconds: Int64) -> JSONValue {
        .string(Timestamp.iso8601(Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    // MARK: The page

    var templateValues: TemplateContext {
        [
            "username": .string(username),
            "number": .string(number),
            "full_number": .bool(fullNumber),
            "number_verified": .bool(numberVerified),
            "email": .string(email ?? ""),
            "email_codes": .bool(emailCodes),
            "created": .string(Formatting.time(createdAt)),
            "last_login": .string(lastLoginAt.map(Formatting.time) ?? "—"),
            "has_password": .bool(hasPassword),
            "app_enabled": .bool(appEnabled),
            "recovery_codes_left": .int(recoveryCodesLeft),
            "device_count": .int(devices.count),
            "sessions": .array(sessions.map { s in
                ["browser": .string(UserAgentSummary.describe(s.userAgent)), "ip": .string(s.ip.isEmpty ? "unknown" : s.ip),
                 "signed_in": .string(Formatting.time(s.createdAt)), "last_seen": .string(Formatting.time(s.lastSeenAt)),
                 "pending": .bool(!s.verified)]
            }),
            "devices": .array(devices.map { d in
                ["browser": .string(UserAgentSummary.describe(d.userAgent)), "ip": .string(d.ip.isEmpty ? "unknown" : d.ip),
                 "remembered": .string(Formatting.time(d.createdAt)),
                 "last_used": .string(d.lastUsedAt.map(Formatting.time) ?? "never"), "expires": .string(Formatting.time(d.expiresAt))]
            }),
            "passkeys": .array(passkeys.map { p in
                ["name": .string(p.name), "added": .string(Formatting.time(p.createdAt)),
                 "last_used": .string(p.lastUsedAt.map(Formatting.time) ?? "never")]
            }),
            "older_events": .int(olderEvents),
            "page_events": .int(events.count),
            "events": .array(events.reversed().map { e in
                ["what": .string(e.kind?.label ?? e.event), "detail": .string(e.detail),
                 "warning": .bool(e.kind?.isWarning ?? false), "time": .string(Formatting.time(e.createdAt)),
                 "ip": .string(e.ip.isEmpty ? "—" : e.ip), "browser": .string(UserAgentSummary.describe(e.userAgent))]
            }),
        ]
    }
}
