import Glibc

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
    /// The client's IP address as text, e.g. "127.0.0.1" or "::1": the socket peer, unless
    /// the responder's `prepare` found the client behind a trusted proxy.
    public var remoteAddress: String
    /// The socket peer, whatever `prepare` decides the client is (a proxy, maybe).
    public var peerAddress: String
    /// Whether the request came over TLS (this process speaks plain HTTP: only a trusted
    /// proxy's word, applied by `prepare`, makes it true).
    public var isSecure: Bool
    /// Set by the responder's `prepare`; when not empty it is echoed as `X-Request-Id` and logged.
    public var requestID = ""

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
        self.peerAddress = remoteAddress
        self.isSecure = false
    }

    /// Cookies from every Cookie header (`a=1; b=2`). When a name repeats, the first wins:
    /// browsers send the most specific (longest path) cookie first.
    /// Parsed on every call; `cookie(_:)` reads one without building the dictionary.
    public var cookies: [String: String] {
        var result: [String: String] = [:]
        forEachCookie { name, value in
            let key = String(decoding: name, as: UTF8.self)
            if result[key] == nil { result[key] = String(decoding: value, as: UTF8.self) }
            return false
        }
        return result
    }

    /// The value of the first cookie called `name`, as `cookies[name]` would give it.
    /// A request reads two or three cookies: scanning the header for each is cheaper than
    /// hashing every name into a dictionary (BENCHMARKS.md, "The write path, ninth pass").
    public func cookie(_ name: String) -> String? {
        var wanted = name, found: String?
        wanted.withUTF8 { wanted in
            forEachCookie { name, value in
                guard name.count == wanted.count, memcmp(name.baseAddress!, wanted.baseAddress!, name.count) == 0 else { return false }
                found = String(decoding: value, as: UTF8.self)
                return true
            }
        }
        return found
    }

    /// Calls `body` with each cookie's name and value (trimmed, a value's quotes removed), in
    /// the order sent, until it returns true. Cookies without `=` or with an empty name are skipped.
    private func forEachCookie(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
        for (name, value) in headers where HTTPHeaders.sameName(name, "Cookie") {
            var header = value
            let stopped = header.withUTF8 { bytes -> Bool in
                var start = 0
                while start < bytes.count {
                    let end = Self.index(of: UInt8(ascii: ";"), in: bytes, from: start, to: bytes.count)
                    let equals = Self.index(of: UInt8(ascii: "="), in: bytes, from: start, to: end)
                    if equals < end {
                        let name = Self.trimmed(bytes, start..<equals)
                        var value = Self.trimmed(bytes, (equals + 1)..<end)
                        if value.count >= 2, bytes[value.lowerBound] == UInt8(ascii: "\""),
                           bytes[value.upperBound - 1] == UInt8(ascii: "\"") {
                            value = (value.lowerBound + 1)..<(value.upperBound - 1)
                        }
                        if !name.isEmpty,
                           body(UnsafeBufferPointer(rebasing: bytes[name]), UnsafeBufferPointer(rebasing: bytes[value])) {
                            return true
                        }
                    }
                    start = end + 1
                }
                return false
            }
            if stopped { return }
        }
    }

    /// The index of the first `byte` in `bytes[from..<to]`, or `to`. libc's `memchr` compares
    /// a vector at a time; a session cookie's value alone is 43 bytes.
    private static func index(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let base = bytes.baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return to }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }

    /// `range` without the spaces and tabs at either end.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper && (bytes[lower] == 0x20 || bytes[lower] == 0x09) { lower += 1 }
        while upper > lower && (bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09) { upper -= 1 }
        return lower..<upper
    }
}
