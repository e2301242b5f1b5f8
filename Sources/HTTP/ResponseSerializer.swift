import Support

/// Turns an `HTTPResponse` into the bytes of its head; the body is sent as is, after it.
enum ResponseSerializer {
    /// Headers the server owns: whatever the responder put there is replaced.
    private static let managed = ["Content-Length", "Transfer-Encoding", "Connection", "Date", "Keep-Alive"]

    /// - Parameters:
    ///   - keepAlive: whether the connection stays open after this response.
    ///   - requestVersion: HTTP/1.0 clients need an explicit `Connection: keep-alive`.
    ///   - isHead: HEAD gets the GET headers (including Content-Length) but no body.
    static func serialize(
        _ response: HTTPResponse, keepAlive: Bool, requestVersion: HTTPVersion = .http1_1, isHead: Bool = false
    ) -> (head: [UInt8], body: [UInt8]) {
        let status = response.status
        let bodyless = status < 200 || status == 204 || status == 304
        var head: [UInt8] = []
        head.reserveCapacity(256 + response.headers.count * 48)
        if status == 200 { append("HTTP/1.1 200 OK\r\n", to: &head) } else { head += statusLine(status) }
        for (name, value) in response.headers {
            if isManaged(name) { continue }
            if !appendField(name, value, to: &head) {
                // A CR or LF here would let a value inject headers (response splitting).
                Log.warning("dropped invalid response header \(name.utf8.count <= 64 ? name : "(long name)")")
            }
        }
        if !bodyless {
            append("Content-Length: ", to: &head)
            head.append(contentsOf: String(response.body.count).utf8)
            append("\r\n", to: &head)
        }
        append("Date: ", to: &head)
        head.append(contentsOf: HTTPDate.nowBytes())
        append("\r\n", to: &head)
        if !keepAlive {
            append("Connection: close\r\n", to: &head)
        } else if requestVersion == .http1_0 {
            append("Connection: keep-alive\r\n", to: &head)
        }
        append("\r\n", to: &head)
        return (head, bodyless || isHead ? [] : response.body)
    }

    /// Whether `name` is one of `managed`: by length first, as most names are none of them.
    private static func isManaged(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4, 10, 14, 17: return managed.contains { HTTPHeaders.sameName($0, name) }
        default: return false
        }
    }

    /// `HTTP/1.1 100 Continue`, sent before reading a body the client is holding back.
    static let continueHead = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Fixed text is appended from StaticStrings, which are constant data: static arrays
    /// would be lazily built globals, each checked on every response.
    @inline(__always)
    private static func append(_ text: StaticString, to head: inout [UInt8]) {
        head.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static let commonStatusLines: [Int: [UInt8]] = Dictionary(uniqueKeysWithValues:
        [200, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 408, 411, 413, 414, 431, 500, 503, 505].map {
            ($0, Array("HTTP/1.1 \($0) \(HTTPStatus.reason($0))\r\n".utf8))
        })

    private static func statusLine(_ status: Int) -> [UInt8] {
        commonStatusLines[status] ?? Array("HTTP/1.1 \(status) \(HTTPStatus.reason(status))\r\n".utf8)
    }

    /// Whether `value` holds no control character but tab (a CR or LF would split the
    /// response). Every response carries a dozen values, the security policy among them at
    /// 160 bytes: eight bytes are checked at a time until a word may hold a control byte (any
    /// byte below 0x20, a tab too, or 0x7F), and from there byte by byte.
    static func isFieldValue(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if let base = value.baseAddress {
            while i + 8 <= value.count {
                let word = ByteWord.load(base + i)
                if ByteWord.bytes(of: word, below: 0x20) | ByteWord.bytes(of: word, equalTo: 0x7F) != 0 { break }
                i += 8
            }
        }
        while i < value.count {
            let byte = value[i]
            guard byte >= 0x20 && byte != 0x7F || byte == 0x09 else { return false }
            i += 1
        }
        return true
    }

    /// Appends `name: value` CRLF after checking both in the same pass over their bytes;
    /// false (and nothing appended) when the name is not a token or the value holds a
    /// control character.
    private static func appendField(_ name: String, _ value: String, to head: inout [UInt8]) -> Bool {
        var name = name, value = value
        return name.withUTF8 { n in
            value.withUTF8 { v in
                guard !n.isEmpty, n.allSatisfy(RequestParser.isTokenByte), isFieldValue(v) else { return false }
                head.append(contentsOf: n)
                head.append(UInt8(ascii: ":"))
                head.append(UInt8(ascii: " "))
                head.append(contentsOf: v)
                head.append(13)
                head.append(10)
                return true
            }
        }
    }
}
