import Support

/// The one-line-per-request access log: `GET /login 200 1.3ms id=…` as text; as JSON
/// (LOG_FORMAT=json) the same message plus `request_id`, `method`, `route`, `status`,
/// `duration_ms` and `client`, the client's address masked (`203.0.113.x`).
/// The query string is never logged (it may carry secrets), nor anything from the body.
enum AccessLog {
    static func record(method: String?, path: String?, status: Int, milliseconds: Double,
                       requestID: String?, client: String) {
        guard Log.isEnabled(.info) else { return }
        var message = method ?? "-"
        message.reserveCapacity(64 + (path?.utf8.count ?? 0) + (requestID?.utf8.count ?? 0))
        message += " "
        message += path ?? "-"
        message += " "
        message += String(status)
        message += " "
        message += format(milliseconds)
        message += "ms"
        guard Log.format == .json else {
            if let requestID {
                message += " id="
                message += requestID
            }
            Log.info(message)
            return
        }
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
