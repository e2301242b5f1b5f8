import Database

/// The counters behind the daily budgets and the site-wide brake, in the database so they hold
/// across instances. Each check is one conditional increment: the row moves on only while it
/// is under its limit, and `RETURNING` says whether it did, so two instances can never both
/// take the last send (PostgreSQL locks the row until the first commits; SQLite has one writer).
public enum SendCounters {
    /// A UTC day, as days since 1970 (budgets reset at midnight UTC).
    public static func day(_ now: Int64) -> Int64 { now / 86_400 }
    /// A UTC clock hour, as hours since 1970 (the brake's fixed window).
    public static func hour(_ now: Int64) -> Int64 { now / 3_600 }

    /// The account's limit (a row only when it has one), then its increment, which returns
    /// a row only when the send fits: a limit and no increment = the budget is spent.
    static func budget(accountID: String, now: Int64) -> [SQLStatement] {
        let today = SQLValue.integer(day(now))
        return [("SELECT daily_limit FROM verify_budgets WHERE account_id = ?", [.text(accountID)]),
                ("""
                 UPDATE verify_budgets SET sends = CASE WHEN day = ? THEN sends + 1 ELSE 1 END, day = ?
                 WHERE account_id = ? AND (day <> ? OR sends < daily_limit) RETURNING sends
                 """, [today, today, .text(accountID), today])]
    }

    /// This hour's sends to unverified numbers, plus one while under `max`; no row when full.
    static func brake(now: Int64, max: Int) -> SQLStatement {
        ("""
         INSERT INTO verify_hourly_sends (hour, sends) VALUES (?, 1)
         ON CONFLICT (hour) DO UPDATE SET sends = verify_hourly_sends.sends + 1 WHERE verify_hourly_sends.sends < ?
         RETURNING sends
         """, [.integer(hour(now)), .integer(Int64(max))])
    }

    /// A send that failed to go out stops counting: single statements by key, beside any writer.
    static func giveBack(accountID: String, brake: Bool, now: Int64, in database: Database) throws {
        _ = try database.writeStatement("UPDATE verify_budgets SET sends = sends - 1 WHERE account_id = ? AND day = ? AND sends > 0",
                                        [.text(accountID), .integer(day(now))])
        if brake {
            _ = try database.writeStatement("UPDATE verify_hourly_sends SET sends = sends - 1 WHERE hour = ? AND sends > 0",
                                            [.integer(hour(now))])
        }
    }

    /// Hours before the previous one are never read again.
    static func pruneBrake(now: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM verify_hourly_sends WHERE hour < ?", [.integer(hour(now) - 1)])
    }

    // MARK: The operator's side (`twofa api-keys`)

    /// Sets or (nil) removes `accountID`'s daily limit. A new limit starts from the sends
    /// already made today, so lowering it mid-day takes effect at once.
    public static func setDailyLimit(_ limit: Int?, accountID: String, now: Int64, in db: DatabaseConnection) throws {
        guard let limit else {
            try db.execute("DELETE FROM verify_budgets WHERE account_id = ?", [.text(accountID)])
            return
        }
        let used = try sentToday(accountID: accountID, now: now, in: db)
        try db.execute("""
            INSERT INTO verify_budgets (account_id, daily_limit, day, sends) VALUES (?, ?, ?, ?)
            ON CONFLICT (account_id) DO UPDATE SET daily_limit = excluded.daily_limit, day = excluded.day, sends = excluded.sends
            """, [.text(accountID), .integer(Int64(limit)), .integer(day(now)), .integer(Int64(used))])
    }

    /// The account's daily limit, nil when it has none.
    public static func dailyLimit(accountID: String, in db: DatabaseConnection) throws -> Int? {
        try db.queryOne("SELECT daily_limit FROM verify_budgets WHERE account_id = ?", [.text(accountID)])?.int("daily_limit")
    }

    /// Texts and calls that went out (or are going) for the account since midnight UTC,
    /// scheduled ones included, from the events themselves.
    public static func sentToday(accountID: String, now: Int64, in db: DatabaseConnection) throws -> Int {
        try db.queryOne("""
            SELECT count(*) AS n FROM verify_events e JOIN verify_requests r ON r.id = e.request_pk
            WHERE r.account_id = ? AND e.created_at >= ? AND e.status != 'failed'
            """, [.text(accountID), .integer(day(now) * 86_400)])?.int("n") ?? 0
    }
}
