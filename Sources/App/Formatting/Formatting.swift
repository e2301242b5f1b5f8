import Foundation

/// How dates read on pages and in the command-line tools (sessions, devices, activity,
/// `twofa users`): minutes, in UTC, the same everywhere.
enum Formatting {
    /// `2026-11-21 23:59 UTC`
    static func time(_ time: Int64) -> String {
        var t = time_t(time)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }
}
