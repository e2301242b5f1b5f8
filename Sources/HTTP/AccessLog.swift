import Support

/// The one-line-per-request access log: `GET /login 200 1.3ms id=…` as text; as JSON
/// (LOG_FORMAT=json) the same message plus `request_id`, `method`, `route`, `status`,
/// `duration_ms` and `client`, the client's address masked (`203.0.113.x`).
/// The query string is never logged (it may carry secrets), nor anything from the body.
enum AccessLog {
    static func record(method: String?, path: String?, status: Int, milliseconds: Double,
                       requestID: String?, client: String) {
        guard Log.isEnabled(.info) else { return }
        guard Log.format == .json else {
            // One a request: written as bytes, into the line, with no Strings in between.
            let capacity = 32 + (method?.utf8.count ?? 1) + (path?.utf8.count ?? 1) + (requestID?.utf8.count ?? 0)
            Log.info(capacity: capacity) { out in
                out.append(contentsOf: (method ?? "-").utf8)
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: (path ?? "-").utf8)
                out.append(UInt8(ascii: " "))
                LogLine.appendDecimal(status, to: &out)
                out.append(UInt8(ascii: " "))
                LogLine.appendOneDecimal(milliseconds, to: &out)
                out.append(UInt8(ascii: "m"))
                out.append(UInt8(ascii: "s"))
                if let requestID {
                    out.append(contentsOf: " id=".utf8)
                    out.append(contentsOf: requestID.utf8)
                }
            }
            return
        }
        let message = "\(method ?? "-") \(path ?? "-") \(status) \(format(milliseconds))ms"
        Log.info(message, fields: fields(method: method, path: path, status: status, milliseconds: milliseconds,
                                         requestID: requestID, client: client))
    }

    static func fields(method: String?, path: String?, status: Int, milliseconds: Double,
                       requestID: String?, client: String) -> [(String, LogLine.Value)] {
        var fields: [(String, LogLine.Value)] = []
        if let requestID { fields.append(("request_id", .string(requestID))) }
        fields.append(("method", .string(method ?? "-")))
        fields.append(("route", .string(path ?? "-")))
        fields.append(("status", .int(status)))
        fields.append(("duration_ms", .tenths(milliseconds)))
        fields.append(("client", .string(maskedClient(client))))
        return fields
    }

    /// The client's address without its last IPv4 octet or past its first three IPv6 groups.
    static func maskedClient(_ address: String) -> String {
        IPAddress(address)?.masked ?? "unknown"
    }

    static func format(_ ms: Double) -> String { LogLine.oneDecimal(ms) }
}
