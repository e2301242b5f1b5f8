import Database
import Verify

/// What we keep, and for how long: one rule per table that grows, each removing a batch of
/// rows that nothing reads any more. The pruner (`Pruner`) runs them; README's "What we
/// keep" table and docs/security.md say the same in words. Tables not named here hold one
/// row per account, session or API key (users, totp_credentials, recovery_codes,
/// held_password_resets, account_deletions, api_clients) and go with their owner.
struct RetentionPolicy: Sendable {
    /// One table's rule. `batch` removes at most `limit` rows of `table` (a rule may also
    /// remove rows that belong to them, from other tables) and returns the rows removed per
    /// table, `table` first: fewer than `limit` there means the rule is done for this pass.
    struct Rule: Sendable {
        let table: String
        let batch: @Sendable (_ now: Int64, _ limit: Int, _ db: DatabaseConnection) throws -> [(table: String, rows: Int)]
    }

    let rules: [Rule]

    init(config c: AppConfig) {
        let keepVerify = VerifyRetention.keepSeconds(days: c.verifyRetentionDays, throttleWindow: c.verifySendWindow)
        let keepAudit = Int64(c.auditRetentionDays) * 86_400
        // A texted code is typed within PIN_EXPIRY of its text; the flows' pending rows are
        // dead once their page says so (2 × PIN_EXPIRY), and a minute more covers an answer
        // already on its way.
        let codeRowLife = Int64(c.pinExpiry) * 2 + 60
        let idle = Int64(c.sessionIdleTimeout), lifetime = Int64(c.sessionLifetime)
        let loginWindow = Int64(c.loginFailureWindow), signupWindow = Int64(c.signupWindow)
        // The untold flows' rows are also what their per-address request limit counts
        // (UntoldRequestLimit, over VERIFY_SEND_WINDOW): kept at least that long.
        let sendWindow = Int64(c.verifySendWindow)
        rules = [
            // Ended Verify requests, with their events and checks, after VERIFY_RETENTION_DAYS.
            Rule(table: "verify_requests") { now, limit, db in
                let removed = try VerifyRetention.pruneBatch(endedBefore: now - keepVerify, limit: limit, in: db)
                return [("verify_requests", removed.requests), ("verify_events", removed.events), ("verify_checks", removed.checks)]
            },
            Self.rule("audit_events", "created_at < ?") { [.integer($0 - keepAudit)] },
            // Expired sessions (idle or past their lifetime); their pending number change goes with them (cascade).
            Self.rule("sessions", "last_seen_at < ? OR created_at < ?") { [.integer($0 - idle), .integer($0 - lifetime)] },
            // A number change whose code can no longer be used: old enough, and no request for
            // it that is live or ended in the last minute (its right code is being applied).
            Self.rule("number_changes", """
                created_at < ? AND NOT EXISTS (SELECT 1 FROM verify_requests r WHERE r.request_id = number_changes.verify_request_id
                    AND (r.status = 'IN PROGRESS' OR r.finalized_at > ?))
                """) { [.integer($0 - codeRowLife), .integer($0 - 60)] },
            Self.rule("passwordless_logins", "created_at < ?") { [.integer($0 - max(codeRowLife, sendWindow))] },
            // "Forgot your password?" in progress: strangers can start these, so they must go.
            Self.rule("password_resets", "created_at < ?") { [.integer($0 - max(PasswordReset.retention, sendWindow))] },
            // The regulations' rows, once outside the windows they are counted in.
            Self.rule("signup_attempts", "attempted_at <= ?") { [.integer($0 - signupWindow)] },
            Self.rule("login_failures", "failed_at <= ?") { [.integer($0 - loginWindow)] },
            Self.rule("second_factor_failures", "failed_at <= ?") { [.integer($0 - loginWindow)] },
            Self.rule("login_bans", "banned_until <= ?", key: "scope, subject") { [.integer($0)] },
            // A device's row holds its streak (100 in a row lock it), its ban and its lock: it
            // goes once it holds none of them.
            Self.rule("login_devices", "failed_logins = 0 AND locked_at IS NULL AND (banned_until IS NULL OR banned_until <= ?)",
                      key: "device") { [.integer($0)] },
            Self.rule("remembered_devices", "expires_at <= ?") { [.integer($0)] },
            // The API's per-key minutes: only the current one is read.
            Self.rule("api_rate_windows", "window_start < ?", key: "api_key, window_start") { [.integer($0 - 120)] },
            // The brake's hours: only the current one is read.
            Self.rule("verify_hourly_sends", "hour < ?", key: "hour") { [.integer($0 / 3_600 - 1)] },
            // A revoked key's budget is never read again.
            Self.rule("verify_budgets", "account_id IN (SELECT api_key FROM api_clients WHERE revoked_at IS NOT NULL)",
                      key: "account_id") { _ in [] },
            // The Twilio face's note on a request goes once the request is gone (an hour's grace:
            // the note is written just after its request).
            Self.rule("twilio_verifications", """
                created_at < ? AND NOT EXISTS (SELECT 1 FROM verify_requests r WHERE r.request_id = twilio_verifications.request_id)
                """, key: "request_id") { [.integer($0 - 3_600)] },
        ]
    }

    /// A rule removing up to `limit` rows of `table` matching `condition` (whose parameters
    /// `values` makes from the pass's time), found through `key`, the table's primary key.
    /// `DELETE … WHERE key IN (SELECT key … LIMIT ?)`: the same text on both engines.
    private static func rule(_ table: String, _ condition: String, key: String = "id",
                             _ values: @escaping @Sendable (Int64) -> [SQLValue]) -> Rule {
        let sql = "DELETE FROM \(table) WHERE (\(key)) IN (SELECT \(key) FROM \(table) WHERE \(condition) LIMIT ?)"
        return Rule(table: table) { now, limit, db in
            try db.execute(sql, values(now) + [.integer(Int64(limit))])
            return [(table, db.changes)]
        }
    }
}
