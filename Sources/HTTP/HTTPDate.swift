import Foundation
import Glibc

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Date, Expires and the like,
/// formatted by hand: Foundation's DateFormatter is slow on Linux.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        format(time_t(date.timeIntervalSince1970.rounded(.down)))
    }

    static func format(_ seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    // The Date header changes once a second, so every response in that second shares it.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cachedSecond: time_t = 0
    nonisolated(unsafe) private static var cachedBytes: [UInt8] = []

    /// Today's IMF-fixdate as bytes, ready for the response head.
    static func nowBytes() -> [UInt8] {
        let now = time(nil)
        lock.lock()
        defer { lock.unlock() }
        if now != cachedSecond {
            cachedSecond = now
            cachedBytes = Array(format(now).utf8)
        }
        return cachedBytes
    }
}
