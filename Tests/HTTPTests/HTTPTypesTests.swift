import XCTest
@testable import HTTP
import Support

final class HTTPTypesTests: XCTestCase {
    func testHeadersSetAddRemove() {
        var h = HTTPHeaders([("A", "1"), ("b", "2")])
        h.add("a", "3")
        XCTAssertEqual(h.values("A"), ["1", "3"])
        h.set("A", "4")
        XCTAssertEqual(h.values("a"), ["4"])
        h.remove("B")
        XCTAssertNil(h["b"])
        XCTAssertEqual(h.map { $0.name }, ["A"])
        XCTAssertFalse(HTTPHeaders.sameName("a-b", "a_b"))
        XCTAssertFalse(HTTPHeaders.sameName("[", "{"))   // differ only in bit 0x20, but not letters
        XCTAssertTrue(HTTPHeaders.sameName("Content-Length", "content-LENGTH"))
    }

    func testCookiesFirstWins() {
        let r = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([
            ("Cookie", "session=abc; theme=\"dark\""), ("cookie", "session=other;empty=; novalue"),
        ]))
        XCTAssertEqual(r.cookies, ["session": "abc", "theme": "dark", "empty": ""])
    }

    func testCookieEdgeCases() {
        let r = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([
            ("Cookie", " =nameless;\ta = 1 \t; q=\"; eq=x=y; ; u=caf\u{E9};;last=\"\""),
        ]))
        XCTAssertEqual(r.cookies, ["a": "1", "q": "\"", "eq": "x=y", "u": "caf\u{E9}", "last": ""])
    }

    /// `cookie(_:)` scans instead of building the dictionary: it must give what the dictionary
    /// gives for every name, present or not, the first one winning.
    func testCookieReadsAsTheDictionaryDoes() {
        let r = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([
            ("Cookie", " =nameless;\ta = 1 \t; q=\"; eq=x=y; ; u=caf\u{E9};;last=\"\"; a=2"),
            ("Accept", "session=no"), ("cookie", "session=abc; theme=\"dark\""), ("Cookie", "session=other"),
        ]))
        let all = r.cookies
        XCTAssertEqual(all.count, 7)
        for name in all.keys { XCTAssertEqual(r.cookie(name), all[name], name) }
        XCTAssertEqual(r.cookie("a"), "1")
        XCTAssertEqual(r.cookie("session"), "abc")
        for absent in ["", "A", "sessio", "session2", "nameless", "novalue", "Cookie"] { XCTAssertNil(r.cookie(absent), absent) }
    }

    func testConvenienceInitDerivesPathAndQuery() {
        let r = HTTPRequest(method: "GET", target: "/a%2Fb?x=%20")
        XCTAssertEqual(r.path, "/a/b")
        XCTAssertEqual(r.query, "x=%20")
        XCTAssertEqual(r.remoteAddress, "127.0.0.1")
        XCTAssertFalse(r.isSecure)
    }

    func testCookieHeaderValue() {
        var c = Cookie(name: "sid", value: "abc")
        XCTAssertEqual(c.headerValue, "sid=abc; Path=/; HttpOnly; SameSite=Lax")
        c.maxAge = 0
        c.secure = true
        c.sameSite = .strict
        c.expires = Date(timeIntervalSince1970: 784_111_777)
        XCTAssertEqual(c.headerValue, "sid=abc; Path=/; Max-Age=0; Expires=Sun, 06 Nov 1994 08:49:37 GMT; HttpOnly; Secure; SameSite=Strict")
        let evil = Cookie(name: "a", value: "x; Domain=evil\r\nSet-Cookie: b=c", httpOnly: false, sameSite: nil)
        XCTAssertEqual(evil.headerValue, "a=xDomain=evilSet-Cookie:b=c; Path=/")
    }

    func testResponseHelpers() {
        var r = HTTPResponse.redirect(to: "/home")
        XCTAssertEqual(r.status, 303)
        XCTAssertEqual(r.headers["location"], "/home")
        r.setCookie(Cookie(name: "a", value: "1"))
        r.setCookie(Cookie(name: "b", value: "2"))
        XCTAssertEqual(r.headers.values("Set-Cookie").count, 2)
        XCTAssertEqual(HTTPResponse.html("<p>", status: 404).headers["Content-Type"], "text/html; charset=utf-8")
        XCTAssertEqual(HTTPResponse.text("x").headers["Content-Type"], "text/plain; charset=utf-8")
    }

    func testFormURLEncodedParse() throws {
        let pairs = try XCTUnwrap(FormURLEncoded.parse("a=1&b=hello+world&c=%E2%9C%93&&d&e=x%3Dy%26z&a=2"))
        XCTAssertEqual(pairs.map { $0.0 }, ["a", "b", "c", "d", "e", "a"])
        XCTAssertEqual(pairs.map { $0.1 }, ["1", "hello world", "✓", "", "x=y&z", "2"])
        XCTAssertNil(FormURLEncoded.parse("a=%zz"))
        XCTAssertNil(FormURLEncoded.parse("a=%4"))
        XCTAssertNil(FormURLEncoded.parse("a=%ff%fe"))
        XCTAssertEqual(FormURLEncoded.parse("")?.count, 0)
    }

    func testFormURLEncodedRoundTrip() throws {
        let pairs = [("name", "Zoë O'Neil"), ("sym", "a+b=c&d/e?f%"), ("empty", "")]
        let encoded = FormURLEncoded.encode(pairs)
        XCTAssertEqual(encoded, "name=Zo%C3%AB+O%27Neil&sym=a%2Bb%3Dc%26d%2Fe%3Ff%25&empty=")
        let decoded = try XCTUnwrap(FormURLEncoded.parse(encoded))
        XCTAssertEqual(decoded.map { $0.0 + "|" + $0.1 }, pairs.map { $0.0 + "|" + $0.1 })
    }

    func testSerializerHeadAndManagedHeaders() {
        var response = HTTPResponse.text("hello")
        response.headers.add("Content-Length", "999")
        response.headers.add("X-Bad", "a\r\nInjected: yes")
        let (head, body) = ResponseSerializer.serialize(response, keepAlive: false, isHead: true)
        let text = String(decoding: head, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(text.contains("Content-Length: 5\r\n"))
        XCTAssertFalse(text.contains("999"))
        XCTAssertFalse(text.contains("Injected"))
        XCTAssertTrue(text.contains("Connection: close\r\n"))
        XCTAssertTrue(text.contains("\r\nDate: "))
        XCTAssertTrue(text.hasSuffix("\r\n\r\n"))
        XCTAssertEqual(body, [])
        let (_, getBody) = ResponseSerializer.serialize(response, keepAlive: true)
        XCTAssertEqual(getBody, Array("hello".utf8))
    }

    /// Field values are checked eight bytes at a time: every byte value, at every position of
    /// values of one word and more, is refused exactly when it is a control byte other than tab.
    func testEveryControlByteAtEveryPositionOfAValueIsRefused() {
        for byte in UInt8(0)...0xFF {
            let allowed = byte >= 0x20 && byte != 0x7F || byte == 0x09
            for filler: UInt8 in [UInt8(ascii: "a"), 0x20, 0x7E, 0x80, 0x09] {
                for length in [1, 7, 8, 9, 16, 17, 24] {
                    for position in 0..<length {
                        var value = [UInt8](repeating: filler, count: length)
                        value[position] = byte
                        let accepted = value.withUnsafeBufferPointer { ResponseSerializer.isFieldValue($0) }
                        XCTAssertEqual(accepted, allowed, "byte \(byte) at \(position) of \(length) among \(filler)")
                    }
                }
            }
        }
        XCTAssertTrue([UInt8]().withUnsafeBufferPointer { ResponseSerializer.isFieldValue($0) })
    }

    func testDateFormatAndMilliseconds() {
        XCTAssertEqual(HTTPDate.format(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(AccessLog.format(0), "0.0")
        XCTAssertEqual(AccessLog.format(1.26), "1.3")
        XCTAssertEqual(AccessLog.format(12.04), "12.0")
    }

    /// The access line's numbers are written as bytes: they must read as the Strings they replaced.
    func testDecimalBytesReadAsStrings() {
        var generator = SystemRandomNumberGenerator()
        var numbers = [0, 1, 9, 10, 99, 100, 200, 404, 503, 999, 1000, Int.max, Int.max - 1]
        for _ in 0..<5_000 { numbers.append(Int.random(in: 0...Int.max, using: &generator) >> Int.random(in: 0..<63, using: &generator)) }
        for n in numbers {
            var out: [UInt8] = [UInt8(ascii: "x")]
            LogLine.appendDecimal(n, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "x\(n)")
        }
        var out: [UInt8] = []
        LogLine.appendDecimal(-5, to: &out)
        XCTAssertEqual(out, Array("0".utf8))

        // The String form this replaced: tenths rounded half away from zero, then split.
        func reference(_ x: Double) -> String {
            let tenths = Int((max(0, x) * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        var values: [Double] = [0, 0.04, 0.05, 0.949, 0.95, 1.25, 9.95, 99.99, 1e6, -3]
        for _ in 0..<5_000 { values.append(Double.random(in: 0..<100_000, using: &generator)) }
        for x in values { XCTAssertEqual(LogLine.oneDecimal(x), reference(x), "\(x)") }
        XCTAssertEqual(LogLine.oneDecimal(.nan), "0.0")
        XCTAssertEqual(LogLine.oneDecimal(.infinity), "0.0")
        XCTAssertEqual(LogLine.oneDecimal(1e300), "100000000000000000.0", "capped, not a crash")
    }

    /// A header set makes room for a page's dozen fields at its first one, so adding them
    /// does not copy the array again and again.
    func testHeadersHaveRoomForADozenFieldsFromTheFirst() {
        var headers = HTTPHeaders()
        headers.add("Host", "example.org")
        XCTAssertGreaterThanOrEqual(headers.capacity, HTTPHeaders.typicalCount)
        let one = HTTPHeaders([("Content-Type", "text/html")])
        XCTAssertGreaterThanOrEqual(one.capacity, HTTPHeaders.typicalCount)
        var set = HTTPHeaders()
        set.set("Cache-Control", "no-store")
        XCTAssertGreaterThanOrEqual(set.capacity, HTTPHeaders.typicalCount)
        for i in 0..<40 { headers.add("X-\(i)", "\(i)") }
        XCTAssertEqual(headers.count, 41, "more than the dozen still fit")
        XCTAssertEqual(headers["x-39"], "39")
    }
}
