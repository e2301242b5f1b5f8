import XCTest
@testable import HTTP

final class RequestParserTests: XCTestCase {
    private func parse(_ raw: String, limits: RequestParser.Limits = .init()) -> RequestParser.Event {
        var parser = RequestParser(limits: limits)
        parser.append(Array(raw.utf8))
        return parser.next()
    }

    private func request(_ raw: String, file: StaticString = #filePath, line: UInt = #line) -> HTTPRequest? {
        guard case .request(let request, _) = parse(raw) else {
            XCTFail("expected a request from \(raw.debugDescription)", file: file, line: line)
            return nil
        }
        return request
    }

    private func status(_ raw: String, limits: RequestParser.Limits = .init()) -> Int? {
        if case .failure(let error) = parse(raw, limits: limits) { return error.status }
        return nil
    }

    func testTokenBytesAreExactlyRFC9110Tchar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for b in 0...255 {
            XCTAssertEqual(RequestParser.isTokenByte(UInt8(b)), tchar.contains(UInt8(b)), "byte \(b)")
        }
    }

    func testSimpleGet() throws {
        let r = try XCTUnwrap(request("GET /user/a%20b?x=1&y=%41 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"))
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.target, "/user/a%20b?x=1&y=%41")
        XCTAssertEqual(r.path, "/user/a b")
        XCTAssertEqual(r.query, "x=1&y=%41")
        XCTAssertEqual(r.version, .http1_1)
        XCTAssertEqual(r.headers["Host"], "example.com")
        XCTAssertEqual(r.headers.count, 2)
        XCTAssertEqual(r.body, [])
    }

    func testHeadersAreCaseInsensitiveAndTrimmed() throws {
        let r = try XCTUnwrap(request("GET / HTTP/1.1\r\nhOsT: h\r\nX-Thing:   spaced value \t\r\nx-thing: second\r\n\r\n"))
        XCTAssertEqual(r.headers["HOST"], "h")
        XCTAssertEqual(r.headers["x-THING"], "spaced value")
        XCTAssertEqual(r.headers.values("X-Thing"), ["spaced value", "second"])
        XCTAssertNil(r.headers["Missing"])
    }

    func testByteAtATimeGivesTheSameRequest() throws {
        let raw = "POST /login?next=%2F HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 19\r\n\r\nuser=bob&pass=s3cr3"
        let whole = try XCTUnwrap(request(raw))
        var parser = RequestParser()
        var result: HTTPRequest?
        for (i, byte) in raw.utf8.enumerated() {
            parser.append([byte])
            switch parser.next() {
            case .needMore: XCTAssertNil(result)
            case .request(let r, _):
                XCTAssertEqual(i, raw.utf8.count - 1, "request completed early")
                result = r
            default: XCTFail("unexpected event at byte \(i)")
            }
        }
        let r = try XCTUnwrap(result)
        XCTAssertEqual(r.method, whole.method)
        XCTAssertEqual(r.target, whole.target)
        XCTAssertEqual(r.path, "/login")
        XCTAssertEqual(r.query, "next=%2F")
        XCTAssertEqual(Array(r.headers.map { "\($0.name)=\($0.value)" }), Array(whole.headers.map { "\($0.name)=\($0.value)" }))
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "user=bob&pass=s3cr3")
    }

    func testPipelinedRequestsComeOutInOrder() {
        var parser = RequestParser()
        parser.append(Array("GET /one HTTP/1.1\r\nHost: h\r\n\r\nPOST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /thr".utf8))
        guard case .request(let one, _) = parser.next() else { return XCTFail() }
        guard case .request(let two, _) = parser.next() else { return XCTFail() }
        XCTAssertEqual(one.path, "/one")
        XCTAssertEqual(two.path, "/two")
        XCTAssertEqual(two.body, Array("abc".utf8))
        guard case .needMore = parser.next() else { return XCTFail() }
        XCTAssertEqual(parser.phase, .head)
        parser.append(Array("ee HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .request(let three, _) = parser.next() else { return XCTFail() }
        XCTAssertEqual(three.path, "/three")
        XCTAssertEqual(parser.phase, .idle)
        XCTAssertEqual(parser.bufferedCount, 0)
    }

    func testBodyArrivingInPieces() {
        var parser = RequestParser()
        parser.append(Array("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123".utf8))
        guard case .needMore = parser.next() else { return XCTFail() }
        XCTAssertEqual(parser.phase, .body)
        parser.append(Array("456789".utf8))
        guard case .request(let r, _) = parser.next() else { return XCTFail() }
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "0123456789")
    }

    func testKeepAliveRules() {
        func keepAlive(_ raw: String) -> Bool? {
            if case .request(_, let k) = parse(raw) { return k }
            return nil
        }
        XCTAssertEqual(keepAlive("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), true)
        XCTAssertEqual(keepAlive("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n"), false)
        XCTAssertEqual(keepAlive("GET / HTTP/1.0\r\n\r\n"), false)
        XCTAssertEqual(keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), true)
    }

    func testExpectContinue() {
        var parser = RequestParser()
        parser.append(Array("POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .expectContinue = parser.next() else { return XCTFail() }
        guard case .needMore = parser.next() else { return XCTFail("100 Continue must be asked for once") }
        parser.append(Array("ok".utf8))
        guard case .request(let r, _) = parser.next() else { return XCTFail() }
        XCTAssertEqual(r.body, Array("ok".utf8))
    }

    func testLeadingEmptyLinesAreTolerated() {
        XCTAssertEqual(request("\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n")?.path, "/a")
    }

    func testPathsWithAndWithoutEscapes() {
        let plain = request("GET /caf\u{E9}/x?a=%41&b HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(plain?.path, "/caf\u{E9}/x")
        XCTAssertEqual(plain?.query, "a=%41&b", "the query stays raw")
        XCTAssertEqual(request("GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n")?.path, "/a b")
        XCTAssertEqual(request("HEAD /x? HTTP/1.0\r\nHost: h\r\n\r\n")?.version, .http1_0)
        var invalidUTF8 = Array("GET /a".utf8)
        invalidUTF8 += [0xC3, 0x28]   // a lead byte without its continuation
        invalidUTF8 += Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        var parser = RequestParser(limits: .init())
        parser.append(invalidUTF8)
        guard case .failure(let error) = parser.next() else { return XCTFail("invalid UTF-8 in a path was accepted") }
        XCTAssertEqual(error.status, 400)
        XCTAssertEqual(status("GET /a%C3%28 HTTP/1.1\r\nHost: h\r\n\r\n"), 400, "the same, escaped")
    }

    func testOtherTargetForms() {
        XCTAssertEqual(request("GET http://example.com/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")?.path, "/p")
        XCTAssertEqual(request("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")?.path, "/")
        XCTAssertEqual(request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")?.path, "*")
        XCTAssertEqual(status("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
    }

    func testMalformedRequests() {
        let cases: [(String, Int, String)] = [
            ("GET /\r\nHost: h\r\n\r\n", 400, "no version"),
            ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "double space"),
            ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400, "trailing space"),
            ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "non-token method"),
            ("GET / HTTP/1.1\nHost: h\n\n", 400, "bare LF"),
            ("GET / HTTP/1.1\r\nHost: h\n\r\n", 400, "bare LF in headers"),
            ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400, "bare CR"),
            ("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400, "header without colon"),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-A : b\r\n\r\n", 400, "space before colon"),
            ("GET / HTTP/1.1\r\nHost: h\r\n: empty name\r\n\r\n", 400, "empty name"),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n  folded\r\n\r\n", 400, "obs-fold"),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\u{0}c\r\n\r\n", 400, "NUL in header"),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\u{1}c\r\n\r\n", 400, "control in header"),
            ("GET /a\u{0}b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "NUL in target"),
            ("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400, "tab in target"),
            ("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "encoded NUL in path"),
            ("GET /a%0Ab HTTP/1.1\r\nHost: h\r\n\r\n", 400, "encoded LF in path"),
            ("GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad percent escape"),
            ("GET /a%ff HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid UTF-8 path"),
            ("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "relative target"),
            ("GET / HTTP/1.1\r\n\r\n", 400, "missing Host"),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "negative CL"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400, "non-numeric CL"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400, "empty CL"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "conflicting CL"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab", 400, "conflicting CL list"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "CL + TE"),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "TE without chunked last"),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "chunked"),
            ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "HTTP/2.0"),
            ("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505, "HTTP/1.2"),
            ("GET / HTTP/1.10\r\nHost: h\r\n\r\n", 505, "HTTP/1.10"),
            ("GET / FTP/1.1\r\nHost: h\r\n\r\n", 400, "not HTTP"),
            ("GET / http/1.1\r\nHost: h\r\n\r\n", 400, "lower-case HTTP"),
            ("GET / HTTP/1-1\r\nHost: h\r\n\r\n", 400, "no dot"),
        ]
        for (raw, expected, name) in cases {
            XCTAssertEqual(status(raw), expected, name)
        }
    }

    func testDuplicateIdenticalContentLengthIsAccepted() {
        let r = request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
        XCTAssertEqual(r?.body, Array("ok".utf8))
    }

    func testBareLFIsRejectedBeforeTheHeadEnds() {
        // Not waiting for a CRLF CRLF that will never come.
        XCTAssertEqual(status("GET / HTTP/1.1\nHost"), 400)
    }

    func testSizeLimits() {
        let limits = RequestParser.Limits(maxHeaderBytes: 1024, maxBodyBytes: 100, maxHeaderCount: 10)
        let big = String(repeating: "a", count: 2000)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\nX-Big: \(big)\r\n\r\n", limits: limits), 431)
        XCTAssertEqual(status("GET /\(big) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits), 414)
        // Incomplete but already over the limit: no need to wait for the rest.
        XCTAssertEqual(status("GET / HTTP/1.1\r\nX-Big: \(big)", limits: limits), 431)
        let many = (0..<11).map { "X-\($0): v\r\n" }.joined()
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", limits: limits), 431)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", limits: limits), 413)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", limits: limits), 413)
        if case .request = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + String(repeating: "b", count: 100), limits: limits) {} else {
            XCTFail("a body of exactly maxBodyBytes is fine")
        }
    }

    func testDefaultLimitsAgainstHugeRequestLine() {
        XCTAssertEqual(status("GET /" + String(repeating: "a", count: 100 * 1024) + " HTTP/1.1\r\nHost: h\r\n\r\n"), 414)
    }

    func testFailureIsSticky() {
        var parser = RequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        guard case .failure = parser.next() else { return XCTFail() }
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .failure = parser.next() else { return XCTFail("a failed parser must stay failed") }
    }

    func testFailureCarriesMethodAndPathWhenKnown() {
        guard case .failure(let e) = parse("POST /upload?secret=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999\r\n\r\n") else {
            return XCTFail()
        }
        XCTAssertEqual(e.status, 413)
        XCTAssertEqual(e.method, "POST")
        XCTAssertEqual(e.path, "/upload")
    }

    /// What the parser did before `mergeContentLength`: split on commas, trim blanks, digits only.
    private func referenceContentLength(_ values: [String]) -> (Int?, String?) {
        var contentLength: Int?
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = part.trimmingCharacters(ofASCII: " \t")
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    return (contentLength, "Bad request: invalid Content-Length")
                }
                let n = digits.utf8.count > 15 ? Int.max : Int(digits)!
                if let previous = contentLength, previous != n {
                    return (contentLength, "Bad request: conflicting Content-Length values")
                }
                contentLength = n
            }
        }
        return (contentLength, nil)
    }

    /// The byte-by-byte reading of Content-Length fields answers as the string one did, on
    /// random values made of digits, commas, blanks and a few bytes that must be refused.
    func testContentLengthIsReadAsBeforeByteByByte() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["0", "1", "2", "7", "42", "007", "1234567890123456", "99999999999999999999", ",", ", ", " ", "\t", "-", "x", "+", "٣"]
        var cases: [[String]] = [["42"], ["42, 42"], ["0"], [" 5 "], ["1", "1"], ["1", "2"], ["3,"], [",3"], [""], ["1 2"], ["1234567890123456", "99999999999999999999"]]
        for _ in 0..<20_000 {
            cases.append((0..<Int.random(in: 1...2, using: &generator)).map { _ in
                (0..<Int.random(in: 0...5, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            })
        }
        for values in cases {
            var length: Int?
            var reason: String?
            for value in values where reason == nil {
                reason = RequestParser.mergeContentLength(value, into: &length)
            }
            let (expectedLength, expectedReason) = referenceContentLength(values)
            XCTAssertEqual(reason, expectedReason, "\(values)")
            if expectedReason == nil { XCTAssertEqual(length, expectedLength, "\(values)") }
        }
    }
}
