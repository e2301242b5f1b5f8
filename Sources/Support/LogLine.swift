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
        var out = Timestamp.iso8601(time)
        out.reserveCapacity(out.utf8.count + 7 + message.utf8.count)   // one allocation for the line
        out += " "
        out += level.label
        out += " "
        out += message
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
        guard x.isFinite else { return "0.0" }
        let tenths = Int((max(0, x) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `INSTANCE_NAME`'s stand-in: `hostname:pid`, which tells apart the processes of one
    /// deployment in a shared log.
    public static func defaultInstance() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "localhost"
        return "\(host):\(getpid())"
    }
}
