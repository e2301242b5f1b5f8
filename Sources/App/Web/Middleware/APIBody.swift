import Foundation
import HTTP

/// The Verify API's parameters: the query, and a body that is a form or a JSON object; no
/// cookie is read or set and no CSRF token is asked for, since the caller authenticates with an
/// API key (`ApiCall`). Malformed input is answered in JSON, never HTML.
struct APIBody: Middleware {
    unowned let app: Application
    let next: any Middleware

    func respond(to exchange: inout Exchange) throws -> HTTPResponse {
        let request = exchange.request
        guard let query = FormURLEncoded.parse(request.query) else {
            return Self.error("the query string is not valid URL encoding", status: 400)
        }
        exchange.query = query
        if !request.body.isEmpty, exchange.route?.readsOwnBody != true {
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            if type.hasPrefix("application/json") {
                guard let pairs = Self.jsonParameters(request.body) else {
                    return Self.error("the body is not a JSON object of strings, numbers or arrays of them", status: 400)
                }
                exchange.form = pairs
            } else if type.hasPrefix("application/x-www-form-urlencoded") || type.isEmpty {
                guard let pairs = FormURLEncoded.parse(request.body) else {
                    return Self.error("the form body is not valid URL encoding", status: 400)
                }
                exchange.form = pairs
            } else {
                return Self.error("send application/x-www-form-urlencoded or application/json", status: 415)
            }
        }
        let context = RequestContext(request: request, method: request.method, params: exchange.params, app: app)
        exchange.context = context
        var response = try next.respond(to: &exchange)
        context.finish(&response)
        return response
    }

    /// A JSON object's members as parameters: strings as they are, numbers and booleans
    /// as text, arrays as repeated parameters (`request_ids`). Nested objects are refused.
    static func jsonParameters(_ body: [UInt8]) -> [(String, String)]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        var pairs: [(String, String)] = []
        func text(_ value: Any) -> String? {
            if let s = value as? String { return s }
            if value is NSNull { return nil }
            if let n = value as? NSNumber {
                if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
                return n.stringValue
            }
            return nil
        }
        for key in object.keys.sorted() {
            let value = object[key]!
            if value is NSNull { continue }
            if let list = value as? [Any] {
                for item in list {
                    guard let t = text(item) else { return nil }
                    pairs.append((key, t))
                }
            } else {
                guard let t = text(value) else { return nil }
                pairs.append((key, t))
            }
        }
        return pairs
    }

    static func error(_ reason: String, status: Int) -> HTTPResponse {
        // Malformed HTTP, not a Verify outcome, so an HTTP status rather than a Vonage one.
        var response = JSONValue.object([("error", .string(reason))]).response(status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
