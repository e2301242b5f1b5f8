import Foundation

/// ISO-8601 UTC timestamps with milliseconds (`2026-11-21T23:59:01.123Z`), formatted
/// without Foundation's formatters, which are slow and not thread-safe to share.
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int((date.timeIntervalSince1970 - Double(t)) * 1000) % 1000
        // Digit by digit into 24 bytes: on every outbox line, so no interpolation or padding strings.
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var v = max(0, value)
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, 4, at: 0); out[4] = UInt8(ascii: "-")
        put(Int(parts.tm_mon) + 1, 2, at: 5); out[7] = UInt8(ascii: "-")
        put(Int(parts.tm_mday), 2, at: 8); out[10] = UInt8(ascii: "T")
        put(Int(parts.tm_hour), 2, at: 11); out[13] = UInt8(ascii: ":")
        put(Int(parts.tm_min), 2, at: 14); out[16] = UInt8(ascii: ":")
        put(Int(parts.tm_sec), 2, at: 17); out[19] = UInt8(ascii: ".")
        put(ms, 3, at: 20); out[23] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }
}
