/// One parsed request, as handed to the responder.
public struct HTTPRequest: Sendable {
    /// As sent on the request line, e.g. "POST" (method overrides are the app's business).
    public var method: String
    /// The raw request-target, e.g. "/user?x=1".
    public var target: String
    /// The target before `?`, percent-decoded. The parser rejects NUL and other control
    /// characters here, so it is safe to log and to compare.
    public var path: String
    /// The raw text after `?` ("" if none); decode it with `FormURLEncoded.parse`.
    public var query: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer's IP address as text, e.g. "127.0.0.1" or "::1".
    public var remoteAddress: String
    /// Whether the request came over TLS. Always false until TLS is added.
    public var isSecure: Bool

    /// Convenience for tests: derives `path` and `query` from `target`.
    public init(
        method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        remoteAddress: String = "127.0.0.1"
    ) {
        let bytes = Array(target.utf8)
        let q = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let rawPath = bytes[..<q]
        let decoded = PercentEncoding.decode(rawPath, plusAsSpace: false).flatMap(PercentEncoding.utf8String)
        self.init(
            method: method, target: target,
            path: decoded ?? String(decoding: rawPath, as: UTF8.self),
            query: q < bytes.endIndex ? String(decoding: bytes[(q + 1)...], as: UTF8.self) : "",
            version: .http1_1, headers: headers, body: body, remoteAddress: remoteAddress)
    }

    init(
        method: String, target: String, path: String, query: String, version: HTTPVersion,
        headers: HTTPHeaders, body: [UInt8], remoteAddress: String
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.isSecure = false
    }

    /// Cookies from every Cookie header (`a=1; b=2`). When a name repeats, the first wins:
    /// browsers send the most specific (longest path) cookie first.
    public var cookies: [String: String] {
        var result: [String: String] = [:]
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                guard let eq = pair.firstIndex(of: "=") else { continue }
                let name = pair[..<eq].trimmingCharacters(ofASCII: " \t")
                var value = pair[pair.index(after: eq)...].trimmingCharacters(ofASCII: " \t")
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast())
                }
                if !name.isEmpty, result[name] == nil { result[name] = value }
            }
        }
        return result
    }
}
