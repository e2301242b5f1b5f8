import HTTP
import Support

/// A JSON document built in code, keys kept in the order written (API answers read
/// like the documentation's examples). Strings are escaped by `JSON.quote`.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])
    case null

    public var serialized: String {
        switch self {
        case .string(let s): return JSON.quote(s)
        case .null: return "null"
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.serialized).joined(separator: ",") + "]"
        case .object(let pairs): return "{" + pairs.map { JSON.quote($0.0) + ":" + $0.1.serialized }.joined(separator: ",") + "}"
        }
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized == b.serialized }

    /// An `application/json` response.
    public func response(status: Int = 200) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: Array(serialized.utf8))
        response.headers.set("Content-Type", "application/json")
        return response
    }
}
