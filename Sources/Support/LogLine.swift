import Foundation

/// How one log line is written: `text` (`<time> INFO message`) for people, or `json`, one
/// object per line for collectors: `time`, `level`, `instance`, `message`, then the line's
/// own fields (an access line's `request_id`, `status`, …) in the order given.
public enum LogLine {
    public enum Format: String, Sendable { case text, json }

    /// A field's value: JSON strings are escaped, numbers written bare.
    public enum Value: Equatable, Sendable {
        case string(String)
        case int(Int)
        /// Written with one decimal (`1.3`), as the access log's milliseconds are.
        case tenths(Double)
    }

    public static func text(time: Date, level: Log.Level, message: String) -> String {
        let line = text(time: time, level: level, capacity: message.utf8.count) { $0.append(contentsOf: message.utf8) }
        return String(decoding: line, as: UTF8.self)
    }

    /// The same text line as bytes, its message appended by `message` (the one place the text
    /// line's shape is written): the access log's line, one a request, is built this way
    /// without a String for the message, the time or the line.
    public static func text(time: Date, level: Log.Level, capacity: Int, message: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + capacity)
        Timestamp.append(time, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: level.label.utf8)
        out.append(UInt8(ascii: " "))
        message(&out)
        return out
    }

    public static func json(time: Date, level: Log.Level, instance: String, message: String,
                            fields: [(String, Value)] = []) -> String {
        var out = "{\"time\":\"\(Timestamp.iso8601(time))\",\"level\":\"\(level.name)\",\"instance\":"
        out += JSON.quote(instance)
        out += ",\"message\":"
        out += JSON.quote(message)
        for (name, value) in fields {
            out += "," + JSON.quote(name) + ":"
            switch value {
            case .string(let s): out += JSON.quote(s)
            case .int(let n): out += String(n)
            case .tenths(let x): out += oneDecimal(x)
            }
        }
        return out + "}"
    }

    /// `%.1f` without Foundation's String(format:), which is slow on Linux.
    public static func oneDecimal(_ x: Double) -> String {
        var out: [UInt8] = []
        appendOneDecimal(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `oneDecimal(x)`'s bytes appended to `out`. Negative and non-finite values read 0.0;
    /// beyond about 10¹⁷ the tenths would not fit an Int, so such values are capped there.
    public static func appendOneDecimal(_ x: Double, to out: inout [UInt8]) {
        let tenths = x.isFinite ? Int((min(max(0, x), 1e17) * 10).rounded()) : 0
        appendDecimal(tenths / 10, to: &out)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") + UInt8(tenths % 10))
    }

    /// A non-negative integer's decimal digits appended to `out` (a negative one reads 0).
    public static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: Int.max has 19 digits
        var v = UInt64(max(0, n)), count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// `INSTANCE_NAME`'s stand-in: `hostname:pid`, which tells apart the processes of one
    /// deployment in a shared log.
    public static func defaultInstance() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "localhost"
        return "\(host):\(getpid())"
    }
}
