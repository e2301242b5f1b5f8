import Database
import Foundation
import HTTP
import Support

extension Application {
    /// Runs an API route (one whose controller opts out of the browser session): no cookie
    /// is read or set and no CSRF token is asked for, since the caller authenticates with
    /// an API key; bodies may be a form or a JSON object. Errors answer in JSON, never HTML.
    func respondWithoutBrowserSession(_ route: Route, to request: HTTPRequest) throws -> HTTPResponse {
        guard let query = FormURLEncoded.parse(request.query) else {
            return Self.apiError("the query string is not valid URL encoding", status: 400)
        }
        var body: [(String, String)] = []
        if !request.body.isEmpty {
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            if type.hasPrefix("application/json") {
                guard let pairs = Self.jsonParameters(request.body) else {
                    return Self.apiError("the body is not a JSON object of strings, numbers or arrays of them", status: 400)
                }
                body = pairs
            } else if type.hasPrefix("application/x-www-form-urlencoded") || type.isEmpty {
                guard let pairs = FormURLEncoded.parse(request.body) else {
                    return Self.apiError("the form body is not valid URL encoding", status: 400)
                }
                body = pairs
            } else {
                return Self.apiError("send application/x-www-form-urlencoded or application/json", status: 415)
            }
        }
        let context = RequestContext(request: request, method: request.method, params: Parameters(form: body, query: query), app: self)
        var response: HTTPResponse
        do {
            response = try route.call(context)
        } catch DatabaseError.unavailable(let message) {
            Log.warning("\(route.controller)#\(route.action): status 5, \(message)")
            response = JSONValue.object([("status", .string("5")),
                                         ("error_text", .string("Internal Error: database unavailable, try again"))]).response()
        } catch {
            Log.error("\(route.controller)#\(route.action) failed: \(error)")
            response = JSONValue.object([("status", .string("5")), ("error_text", .string("Internal Error"))]).response()
        }
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

    static func apiError(_ reason: String, status: Int) -> HTTPResponse {
        // Malformed HTTP, not a Verify outcome, so an HTTP status rather than a Vonage one.
        var response = JSONValue.object([("error", .string(reason))]).response(status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
