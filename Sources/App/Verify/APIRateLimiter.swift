import Foundation

/// At most `limit` calls per API key in each fixed 60-second window. Kept in memory:
/// it protects this process from one noisy client; the send throttles (in the database)
/// are what stop SMS pumping across restarts.
public final class APIRateLimiter: @unchecked Sendable {
    public let limit: Int
    private let lock = NSLock()
    private var windows: [String: (start: Int64, count: Int)] = [:]   // guarded by lock

    public init(limit: Int) { self.limit = limit }

    /// Counts one call; false when the key is over its limit for the current minute.
    public func allow(key: String, now: Int64) -> Bool {
        let minute = now - now % 60
        lock.lock(); defer { lock.unlock() }
        if windows.count > 10_000 { windows = windows.filter { $0.value.start == minute } }
        var window = windows[key] ?? (minute, 0)
        if window.start != minute { window = (minute, 0) }
        window.count += 1
        windows[key] = window
        return window.count <= limit
    }
}
