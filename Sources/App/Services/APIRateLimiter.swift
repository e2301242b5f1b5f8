import Database
import Synchronization

/// At most `limit` calls per API key in each fixed 60-second window, counted in the
/// database (`api_rate_windows`) so that the limit holds across instances: three instances
/// behind a proxy give a noisy client `limit` calls a minute, not three times as many.
///
/// Far from its limit, a key's calls are claimed in blocks: one upsert adds a block of
/// calls to the window and this instance admits them from memory, so a busy key pays one
/// write per block instead of one per call. The block is a thirty-second of what the
/// window had left at the last claim (at most `maxBlock`), so it shrinks to a single call
/// as the key nears its limit, where counting is exact again (at the default limit of 60 it
/// always is). The database's count never falls below the calls admitted: a block is
/// counted before any of it is used, so no number of instances, threads or crashes can
/// admit more than `limit`; the price is that calls an instance claimed and did not use
/// (it stopped, or the minute ended) count as made.
public final class APIRateLimiter: Sendable {
    public let limit: Int
    static let maxBlock = 128

    /// Per key: the calls this instance claimed for the current minute and has not used yet.
    private struct Lease {
        var minute: Int64
        var unused: Int
        /// The window's count after this instance's last claim (sizes the next block).
        var lastCount: Int
    }

    private let leases = Mutex<[String: Lease]>([:])

    public init(limit: Int) { self.limit = limit }

    /// Counts one call; false when the key is over its limit for the current minute.
    public func allow(key: String, now: Int64, in database: Database) throws -> Bool {
        let minute = now - now % 60
        // A call from the block in hand, or the window's count this instance last saw (0: none this minute).
        let inHand: (admitted: Bool, lastCount: Int) = leases.withLock { leases in
            guard var lease = leases[key], lease.minute == minute else { return (false, 0) }
            guard lease.unused > 0 else { return (false, lease.lastCount) }
            lease.unused -= 1
            leases[key] = lease
            return (true, lease.lastCount)
        }
        if inHand.admitted { return true }
        let block = blockSize(after: inHand.lastCount)
        // Statements each safe alone (an upsert and a delete by key): no cluster-wide lock.
        let count = try database.writeStatement("""
            INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES (?, ?, ?)
            ON CONFLICT (api_key, window_start) DO UPDATE SET calls = api_rate_windows.calls + excluded.calls
            RETURNING calls
            """, [.text(key), .integer(minute), .integer(Int64(block))]).first?.int("calls") ?? Int.max
        if count == block {
            // The key's first claim of a new minute (exactly one claimer sees its own block): older windows go.
            _ = try database.writeStatement("DELETE FROM api_rate_windows WHERE api_key = ? AND window_start < ?",
                                            [.text(key), .integer(minute)])
        }
        // Of the block, only the calls that fit under the limit are admitted (none once over it).
        let granted = max(0, min(block, limit - (count - block)))
        leases.withLock { leases in
            if var lease = leases[key], lease.minute == minute {
                lease.unused += max(0, granted - 1)
                lease.lastCount = max(lease.lastCount, count)
                leases[key] = lease
            } else {
                // A new minute: the leases of past minutes are worth nothing, so they go.
                leases = leases.filter { $0.value.minute >= minute }
                leases[key] = Lease(minute: minute, unused: max(0, granted - 1), lastCount: count)
            }
        }
        return granted > 0
    }

    /// One call, or a thirty-second of what the window had left (at most `maxBlock`).
    func blockSize(after count: Int) -> Int {
        min(Self.maxBlock, max(1, (limit - count) / 32))
    }
}
