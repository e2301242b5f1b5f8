import Foundation

/// ISO-8601 UTC timestamps with milliseconds (`2026-11-21T23:59:01.123Z`), formatted
/// without Foundation's formatters, which are slow and not thread-safe to share.
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int((date.timeIntervalSince1970 - Double(t)) * 1000) % 1000
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v); return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }
}
