/// Incremental HTTP/1.x request parser.
///
/// Bytes are appended as they arrive, in pieces of any size; `next()` returns a complete
/// request once its head and Content-Length body are all there. Bytes after that request
/// stay buffered, so pipelined requests come out one by one, in order.
///
/// The head is scanned once, byte by byte, as it arrives (rejecting bare LF / bare CR and
/// enforcing the size and line-count limits early); only when its blank line has arrived
/// is it parsed, in one pass. Strict by design: whatever a proxy in front of us could
/// read differently (smuggling) is a 400.
struct RequestParser {
    struct Limits {
        var maxHeaderBytes = 16 * 1024
        var maxBodyBytes = 64 * 1024
        var maxHeaderCount = 100
    }

    enum Phase: Equatable {
        case idle   // nothing of the next request yet
        case head   // part of a request head
        case body   // head done, waiting for body bytes
    }

    enum Event {
        case needMore
        /// The head asked for `Expect: 100-continue` and no body has arrived yet.
        case expectContinue
        case request(HTTPRequest, keepAlive: Bool)
        /// The connection must be answered with `error.status` and closed.
        case failure(RequestError)
    }

    private struct Head {
        var request: HTTPRequest
        var keepAlive: Bool
        var length: Int          // bytes of the head, including the blank line
        var contentLength: Int
        var expectsContinue: Bool
    }

    let limits: Limits
    private var buffer: [UInt8] = []
    private var start = 0            // first byte of the current request in `buffer`
    // Scan state of the current head, as offsets from `start`:
    private var scanned = 0
    private var lineStart = 0
    private var lineCount = 0
    private var head: Head?
    private var continueAnswered = false
    private var failed: RequestError?

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    var phase: Phase {
        if head != nil { return .body }
        return start < buffer.count ? .head : .idle
    }

    /// Bytes received but not yet consumed by a returned request.
    var bufferedCount: Int { buffer.count - start }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func next() -> Event {
        if let failed { return .failure(failed) }
        if head == nil {
            switch scanHead() {
            case .incomplete:
                return .needMore
            case .failed(let error):
                return fail(error)
            case .complete(let length):
                switch parseHead(length: length) {
                case .success(let parsed):
                    head = parsed
                    buffer.reserveCapacity(start + parsed.length + parsed.contentLength)
                case .failure(let error):
                    return fail(error)
                }
            }
        }
        guard let current = head else { return .needMore }
        let bodyStart = start + current.length
        let available = buffer.count - bodyStart
        if available >= current.contentLength {
            var request = current.request
            if current.contentLength > 0 {
                request.body = Array(buffer[bodyStart..<(bodyStart + current.contentLength)])
            }
            start = bodyStart + current.contentLength
            head = nil
            scanned = 0
            lineStart = 0
            lineCount = 0
            continueAnswered = false
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
                start = 0
            }
            return .request(request, keepAlive: current.keepAlive)
        }
        if current.expectsContinue, !continueAnswered, available == 0 {
            continueAnswered = true
            return .expectContinue
        }
        return .needMore
    }

    // MARK: - Scanning

    private enum ScanResult {
        case incomplete
        case complete(length: Int)
        case failed(RequestError)
    }

    private static let CR = UInt8(ascii: "\r")
    private static let LF = UInt8(ascii: "\n")

    /// Drops consumed bytes so the buffer doesn't grow across keep-alive requests.
    private mutating func compact() {
        guard start > 0 else { return }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else {
            buffer.removeSubrange(0..<start)
        }
        start = 0
    }

    /// Advances over newly arrived head bytes until the blank line that ends the head.
    private mutating func scanHead() -> ScanResult {
        let base = start
        var i = base + scanned
        var lineBegin = base + lineStart
        var lines = lineCount
        let maxBytes = limits.maxHeaderBytes
        let maxLines = limits.maxHeaderCount + 1   // + the request line
        let result: ScanResult = buffer.withUnsafeBufferPointer { p in
            let end = p.count
            while i < end {
                if i - base >= maxBytes {
                    return .failed(lines == 0
                        ? RequestError(status: 414, reason: "URI too long")
                        : RequestError(status: 431, reason: "Request header fields too large"))
                }
                let b = p[i]
                if b == Self.LF {
                    guard i > base, p[i - 1] == Self.CR else {
                        return .failed(.badRequest("line ending without CR (only CRLF is accepted)"))
                    }
                    if i - 1 == lineBegin {
                        // Blank line: ends the head, unless no request line has come yet
                        // (empty lines before a request are tolerated, RFC 9112 §2.2).
                        if lines > 0 { return .complete(length: i + 1 - base) }
                    } else {
                        lines += 1
                        if lines > maxLines {
                            return .failed(RequestError(status: 431, reason: "Request header fields too large (too many fields)"))
                        }
                    }
                    lineBegin = i + 1
                } else if i > base, p[i - 1] == Self.CR {
                    return .failed(.badRequest("CR not followed by LF"))
                }
                i += 1
            }
            return .incomplete
        }
        scanned = i - base
        lineStart = lineBegin - base
        lineCount = lines
        return result
    }

    private mutating func fail(_ error: RequestError) -> Event {
        failed = error
        return .failure(error)
    }

    // MARK: - Parsing a complete head

    private func parseHead(length: Int) -> Result<Head, RequestError> {
        buffer.withUnsafeBufferPointer { all in
            let p = UnsafeBufferPointer(rebasing: all[start..<(start + length)])
            return Self.parseHead(p, limits: limits).map { head in
                var head = head
                head.length = length
                return head
            }
        }
    }

    private static let SP = UInt8(ascii: " ")
    private static let HTAB = UInt8(ascii: "\t")
    private static let COLON = UInt8(ascii: ":")
    private static let COMMA = UInt8(ascii: ",")

    /// `p` is the whole head, from (optional) leading blank lines to the final CRLF CRLF.
    /// Line endings are already known to be CRLF, and a lone CR never occurs.
    private static func parseHead(_ p: UnsafeBufferPointer<UInt8>, limits: Limits) -> Result<Head, RequestError> {
        var pos = 0
        while p[pos] == CR { pos += 2 }   // leading blank lines

        // Request line: method SP request-target SP HTTP-version CRLF
        let methodStart = pos
        while isTokenByte(p[pos]) { pos += 1 }
        guard pos > methodStart, p[pos] == SP else { return .failure(.badRequest("invalid method")) }
        let method = string(p, methodStart, pos)
        pos += 1
        let targetStart = pos
        while p[pos] > SP && p[pos] != 0x7F { pos += 1 }
        guard pos > targetStart, p[pos] == SP else {
            return .failure(.badRequest(p[pos] == CR || p[pos] == SP
                ? "malformed request line" : "invalid character in request target"))
        }
        let targetEnd = pos
        pos += 1
        let versionStart = pos
        while p[pos] != CR { pos += 1 }
        let version: HTTPVersion
        switch parseVersion(p, versionStart, pos) {
        case .success(let v): version = v
        case .failure(let error): return .failure(error)
        }
        pos += 2

        let target = string(p, targetStart, targetEnd)
        guard let (path, query) = splitTarget(p, targetStart, targetEnd, method: method) else {
            return .failure(.badRequest("invalid request target"))
        }
        func failure(_ status: Int, _ reason: String) -> Result<Head, RequestError> {
            .failure(RequestError(status: status, reason: reason, method: method, path: path))
        }

        // Header fields, up to the final blank line.
        var headers = HTTPHeaders()
        let end = p.count - 2
        while pos < end {
            let lineBegin = pos
            if p[pos] == SP || p[pos] == HTAB {
                return failure(400, "Bad request: obsolete line folding in headers")
            }
            while isTokenByte(p[pos]) { pos += 1 }
            let nameEnd = pos
            guard nameEnd > lineBegin, p[pos] == COLON else {
                var hasColon = false
                while p[pos] != CR { hasColon = hasColon || p[pos] == COLON; pos += 1 }
                return failure(400, hasColon ? "Bad request: invalid header field name" : "Bad request: header field without colon")
            }
            pos += 1
            while p[pos] == SP || p[pos] == HTAB { pos += 1 }
            let valueStart = pos
            var valueEnd = pos
            while p[pos] != CR {
                let b = p[pos]
                if b < SP && b != HTAB || b == 0x7F {
                    return failure(400, "Bad request: invalid character in header field")
                }
                pos += 1
                if b != SP && b != HTAB { valueEnd = pos }
            }
            headers.add(string(p, lineBegin, nameEnd), string(p, valueStart, valueEnd))
            pos += 2
        }

        // One pass over the fields the framing and the connection depend on.
        var hostCount = 0
        var lengthValues: [String] = []
        var codings: [String] = []
        var connectionClose = false, connectionKeepAlive = false
        var expect: String?
        for (name, value) in headers {
            switch name.utf8.count {   // the length first: most fields are none of these
            case 4 where HTTPHeaders.sameName(name, "Host"): hostCount += 1
            case 14 where HTTPHeaders.sameName(name, "Content-Length"): lengthValues.append(value)
            case 17 where HTTPHeaders.sameName(name, "Transfer-Encoding"): codings.append(value)
            case 10 where HTTPHeaders.sameName(name, "Connection"):
                connectionClose = connectionClose || HTTPHeaders.listHasToken(value, "close")
                connectionKeepAlive = connectionKeepAlive || HTTPHeaders.listHasToken(value, "keep-alive")
            case 6 where HTTPHeaders.sameName(name, "Expect"): if expect == nil { expect = value }
            default: break
            }
        }

        // Framing: exactly one unambiguous way to find the end of the body.
        if version == .http1_1 && hostCount == 0 { return failure(400, "Bad request: missing Host header") }
        if hostCount > 1 { return failure(400, "Bad request: more than one Host header") }

        var contentLength: Int?
        for value in lengthValues {
            if let reason = mergeContentLength(value, into: &contentLength) { return failure(400, reason) }
        }
        if !codings.isEmpty {
            if contentLength != nil {
                return failure(400, "Bad request: both Content-Length and Transfer-Encoding")
            }
            if version == .http1_0 { return failure(400, "Bad request: Transfer-Encoding in HTTP/1.0") }
            let last = codings.joined(separator: ",").split(separator: ",").last?.trimmingCharacters(ofASCII: " \t") ?? ""
            guard HTTPHeaders.sameName(last, "chunked") else {
                return failure(400, "Bad request: unsupported Transfer-Encoding")
            }
            return failure(411, "Length required: chunked request bodies are not supported; send Content-Length")
        }
        let length = contentLength ?? 0
        if length > limits.maxBodyBytes { return failure(413, "Content too large") }

        let keepAlive = version == .http1_1 ? !connectionClose : connectionKeepAlive && !connectionClose
        let expectsContinue = version == .http1_1 && length > 0
            && expect.map { HTTPHeaders.sameName($0, "100-continue") } == true

        let request = HTTPRequest(
            method: method, target: target, path: path, query: query, version: version,
            headers: headers, body: [], remoteAddress: "")
        return .success(Head(request: request, keepAlive: keepAlive, length: 0, contentLength: length,
                             expectsContinue: expectsContinue))
    }

    private static func parseVersion(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Result<HTTPVersion, RequestError> {
        // Nearly every request says exactly this: no arrays built for it.
        if to - from == 8, p[from + 5] == UInt8(ascii: "1"), p[from + 6] == UInt8(ascii: "."),
           p[from] == UInt8(ascii: "H"), p[from + 1] == UInt8(ascii: "T"), p[from + 2] == UInt8(ascii: "T"),
           p[from + 3] == UInt8(ascii: "P"), p[from + 4] == UInt8(ascii: "/") {
            if p[from + 7] == UInt8(ascii: "1") { return .success(.http1_1) }
            if p[from + 7] == UInt8(ascii: "0") { return .success(.http1_0) }
        }
        let text = Array(p[from..<to])
        let prefix = Array("HTTP/".utf8)
        guard text.count >= 6, Array(text[0..<5]) == prefix else {
            return .failure(.badRequest("malformed request line"))
        }
        let rest = text[5...]
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        if rest.count == 3, isDigit(rest[5]), rest[6] == UInt8(ascii: "."), isDigit(rest[7]) {
            let version = HTTPVersion(major: Int(rest[5] - 0x30), minor: Int(rest[7] - 0x30))
            if version == .http1_1 || version == .http1_0 { return .success(version) }
            return .failure(RequestError(status: 505, reason: "HTTP version not supported"))
        }
        if rest.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) {
            return .failure(RequestError(status: 505, reason: "HTTP version not supported"))
        }
        return .failure(.badRequest("malformed HTTP version"))
    }

    /// Path (percent-decoded) and raw query from origin-form (`/a?b`), absolute-form
    /// (`http://host/a?b`) or `*` (OPTIONS only). Nil when malformed or when the decoded
    /// path holds a control character (NUL, CR, LF...), which nothing downstream should see.
    private static func splitTarget(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, method: String) -> (String, String)? {
        var pathStart = from
        if p[from] != UInt8(ascii: "/") {
            if to - from == 1 && p[from] == UInt8(ascii: "*") {
                return method == "OPTIONS" ? ("*", "") : nil
            }
            let lower = p[from..<to].prefix(8).map { $0 | 0x20 }
            let schemeLength: Int
            if lower.starts(with: Array("http://".utf8)) { schemeLength = 7 }
            else if lower.starts(with: Array("https://".utf8)) { schemeLength = 8 }
            else { return nil }
            pathStart = from + schemeLength
            guard pathStart < to else { return nil }
            while pathStart < to && p[pathStart] != UInt8(ascii: "/") && p[pathStart] != UInt8(ascii: "?") { pathStart += 1 }
        }
        var queryMark = pathStart, escaped = false
        while queryMark < to && p[queryMark] != UInt8(ascii: "?") {
            escaped = escaped || p[queryMark] == UInt8(ascii: "%")
            queryMark += 1
        }
        let query = queryMark < to ? string(p, queryMark + 1, to) : ""
        if !escaped && queryMark > pathStart {
            // Nothing to decode, and the request line allows no control bytes: only UTF-8 to check.
            guard let path = String(validating: UnsafeBufferPointer(rebasing: p[pathStart..<queryMark]), as: UTF8.self)
            else { return nil }
            return (path, query)
        }
        guard let decoded = PercentEncoding.decode(p[pathStart..<queryMark], plusAsSpace: false),
              !decoded.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              var path = PercentEncoding.utf8String(decoded)
        else { return nil }
        if path.isEmpty { path = "/" }   // absolute-form without a path
        return (path, query)
    }

    /// Reads a Content-Length field's value into `length`: one number, or a list of equal ones
    /// (`42, 42`, which RFC 9110 §8.6 lets a recipient take as one), each part digits between
    /// optional blanks. Returns why the value is refused: a part that is not digits, or a
    /// number unlike one read before. More than 15 digits is beyond any limit: `Int.max`, no
    /// overflow. Byte by byte: every request with a body has this field, and splitting and
    /// trimming it as strings cost 1.5 k instructions a check.
    static func mergeContentLength(_ value: String, into length: inout Int?) -> String? {
        var value = value
        return value.withUTF8 { bytes -> String? in
            var i = 0
            while true {   // one comma-separated part a turn
                while i < bytes.count && (bytes[i] == SP || bytes[i] == HTAB) { i += 1 }
                var n = 0, digits = 0
                while i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                    if digits < 15 { n = n * 10 + Int(bytes[i] - 0x30) }
                    digits += 1
                    i += 1
                }
                while i < bytes.count && (bytes[i] == SP || bytes[i] == HTAB) { i += 1 }
                guard digits > 0, i == bytes.count || bytes[i] == COMMA else { return "Bad request: invalid Content-Length" }
                if digits > 15 { n = Int.max }
                if let previous = length, previous != n { return "Bad request: conflicting Content-Length values" }
                length = n
                if i == bytes.count { return nil }
                i += 1
            }
        }
    }

    private static func string(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[from..<to]), as: UTF8.self)
    }

    /// tchar from RFC 9110 §5.6.2: letters, digits and ``!#$%&'*+-.^_`|~``, as one bit per
    /// byte in two constants. A table would be a lazily built global, checked on every call,
    /// and this runs for every byte of every header name.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        if b < 64 { return (0x03FF_6CFA_0000_0000 as UInt64) >> b & 1 == 1 }
        if b < 128 { return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> (b - 64) & 1 == 1 }
        return false
    }
}
