import Foundation
import TestSupport

/// One visitor: a cookie jar and the last page seen, so forms can be submitted with
/// the CSRF token the page carried, as a browser would.
final class Browser {
    /// The server it talks to; a test of several instances points it at another one.
    var port: Int
    private(set) var cookies: [String: String] = [:]
    private(set) var lastPage: TestResponse?
    var userAgent = "twofa-tests"
    /// The client IP the server sees (e.g. "127.0.0.2"); nil: the default, 127.0.0.1.
    var sourceAddress: String?
    /// Sent with every request, e.g. the `X-Forwarded-For` a reverse proxy would add.
    var extraHeaders: [(String, String)] = []

    init(port: Int) { self.port = port }

    @discardableResult
    func get(_ path: String) throws -> TestResponse {
        try perform("GET", path, body: "")
    }

    /// POSTs a form; adds the authenticity token from the last page unless `token` is given.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], token: String? = nil, method: String? = nil) throws -> TestResponse {
        var all = fields
        if let method { all.append(("_method", method)) }
        if let token = token ?? csrfToken { all.append(("authenticity_token", token)) }
        return try perform("POST", path, body: Self.encode(all))
    }

    /// Submits without any authenticity token (the forgery case).
    @discardableResult
    func postWithoutToken(_ path: String, _ fields: [(String, String)]) throws -> TestResponse {
        try perform("POST", path, body: Self.encode(fields))
    }

    /// The token in the last page's forms.
    var csrfToken: String? {
        guard let body = lastPage?.body,
              let range = body.range(of: #"name="authenticity_token" value="[^"]+""#, options: .regularExpression) else { return nil }
        let match = String(body[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    private func perform(_ method: String, _ path: String, body: String) throws -> TestResponse {
        var headers: [(String, String)] = [("User-Agent", userAgent)] + extraHeaders
        if !cookies.isEmpty {
            headers.append(("Cookie", cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")))
        }
        if method == "POST" { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        let response = try HTTPClient.request(port: port, method: method, path: path, headers: headers, body: body,
                                              source: sourceAddress)
        for header in response.headers("set-cookie") { store(header) }
        if response.status != 303 { lastPage = response }
        return response
    }

    private func store(_ header: String) {
        let parts = header.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let eq = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
        let expired = parts.contains { $0.lowercased() == "max-age=0" }
        cookies[name] = expired ? nil : value
    }

    static func encode(_ fields: [(String, String)]) -> String {
        // ASCII letters and digits only: everything else is percent-encoded, as browsers do.
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")
        return fields.map { key, value in
            let k = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
            let v = (value.addingPercentEncoding(withAllowedCharacters: allowed.union(CharacterSet(charactersIn: " "))) ?? value)
                .replacingOccurrences(of: " ", with: "+")
            return "\(k)=\(v)"
        }.joined(separator: "&")
    }
}
