import Database

/// What the Verify engine leaves behind, and when it may go: a request once it has ended
/// (SUCCESS, FAILED, EXPIRED, CANCELLED) and `keep` seconds have passed, with its events and
/// checks. A request still IN PROGRESS is never removed, whatever its age.
///
/// The send limits count events (SendThrottle: per number and per address over its window;
/// SendCounters.sentToday: since midnight UTC), so `keep` must cover those: `keepSeconds`
/// never lets it fall below the throttle's window or one day.
public enum VerifyRetention {
    /// Seconds a finished request is kept: `days`, but never less than what the send limits read.
    public static func keepSeconds(days: Int, throttleWindow: Int) -> Int64 {
        max(Int64(days) * 86_400, Int64(throttleWindow), 86_400)
    }

    /// Rows removed by one batch, by table.
    public struct Removed: Sendable, Equatable {
        public var requests = 0, events = 0, checks = 0
    }

    /// Removes up to `limit` requests that ended before `cutoff`, oldest first, with their
    /// events and checks (deleted here rather than by the cascade, so they are counted).
    /// Each statement names the batch by the same subquery, ordered by `(finalized_at, id)` so
    /// all three pick the same requests: two parameters whatever `limit` is (a list of ids
    /// would bind one per row, past what libpq or SQLite accept, and prepare a new statement
    /// for each length).
    public static func pruneBatch(endedBefore cutoff: Int64, limit: Int, in db: DatabaseConnection) throws -> Removed {
        let batch = """
            SELECT id FROM verify_requests WHERE status <> 'IN PROGRESS' AND finalized_at < ?
            ORDER BY finalized_at, id LIMIT ?
            """
        let values: [SQLValue] = [.integer(cutoff), .integer(Int64(limit))]
        var removed = Removed()
        try db.execute("DELETE FROM verify_checks WHERE request_pk IN (\(batch))", values)
        removed.checks = db.changes
        try db.execute("DELETE FROM verify_events WHERE request_pk IN (\(batch))", values)
        removed.events = db.changes
        try db.execute("DELETE FROM verify_requests WHERE id IN (\(batch))", values)
        removed.requests = db.changes
        return removed
    }
}
