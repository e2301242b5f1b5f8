import Foundation

/// ISO-8601 UTC timestamps with milliseconds (`2026-11-21T23:59:01.123Z`), formatted
/// without Foundation's formatters, which are slow and not thread-safe to share.
public enum Timestamp {
    public static func iso8601(_ date: Date) -> String {
        String(unsafeUninitializedCapacity: 24) { out in
            write(date, into: out)
            return 24
        }
    }

    /// The same 24 bytes appended to `bytes` (an access line is built as bytes, not Strings).
    public static func append(_ date: Date, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 24))
        bytes.withUnsafeMutableBufferPointer { all in
            write(date, into: UnsafeMutableBufferPointer(rebasing: all[start..<(start + 24)]))
        }
    }

    private static func write(_ date: Date, into out: UnsafeMutableBufferPointer<UInt8>) {
        let since1970 = date.timeIntervalSince1970
        let seconds = since1970.rounded(.down)
        // Years 1970–9999 by arithmetic: every access-log line has a timestamp, and gmtime_r
        // takes glibc's time-zone lock on each call.
        guard seconds >= 0 && seconds < 253_402_300_800 else { return writeViaGmtime(date, into: out) }
        let ms = Int((since1970 - seconds) * 1000) % 1000
        let total = Int(seconds)
        let days = total / 86_400, secondOfDay = total % 86_400
        // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted).
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        write(year: year, month: month, day: day, hour: secondOfDay / 3600,
              minute: secondOfDay / 60 % 60, second: secondOfDay % 60, milliseconds: ms, into: out)
    }

    /// The general case (and the reference the arithmetic is tested against).
    static func viaGmtime(_ date: Date) -> String {
        String(unsafeUninitializedCapacity: 24) { out in
            writeViaGmtime(date, into: out)
            return 24
        }
    }

    private static func writeViaGmtime(_ date: Date, into out: UnsafeMutableBufferPointer<UInt8>) {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int((date.timeIntervalSince1970 - Double(t)) * 1000) % 1000
        write(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
              hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec), milliseconds: ms, into: out)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, digit by digit into 24 bytes: on every log and outbox line, so
    /// no interpolation or padding strings. Years outside 0–9999 keep their last four digits
    /// (a negative one reads 0000).
    private static func write(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                              milliseconds: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
        func put(_ value: Int, _ width: Int, at index: Int) {
            var v = max(0, value)
            for i in stride(from: index + width - 1, through: index, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
        }
        put(year, 4, at: 0); out[4] = UInt8(ascii: "-")
        put(month, 2, at: 5); out[7] = UInt8(ascii: "-")
        put(day, 2, at: 8); out[10] = UInt8(ascii: "T")
        put(hour, 2, at: 11); out[13] = UInt8(ascii: ":")
        put(minute, 2, at: 14); out[16] = UInt8(ascii: ":")
        put(second, 2, at: 17); out[19] = UInt8(ascii: ".")
        put(milliseconds, 3, at: 20); out[23] = UInt8(ascii: "Z")
    }
}
