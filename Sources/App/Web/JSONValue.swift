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

    public var serialized: String { String(decoding: bytes, as: UTF8.self) }

    /// The document as UTF-8, built in one buffer: it is on every API answer, and joining
    /// strings per value cost a check about 8 % of its instructions (BENCHMARKS.md).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        append(to: &out)
        return out
    }

    private func append(to out: inout [UInt8]) {
        switch self {
        case .string(let s): JSON.appendQuoted(s, to: &out)
        case .null: out.append(contentsOf: "null".utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized == b.serialized }

    /// An `application/json` response.
    public func response(status: Int = 200) -> HTTPResponse {
        var response = HTTPResponse(status: status, body: bytes)
        response.headers.set("Content-Type", "application/json")
        return response
    }
}
