@testable import HTTP
import Foundation
@testable import Support
import XCTest

/// LOG_FORMAT=json: one object per line that collectors can parse.
final class LogLineTests: XCTestCase {
    let time = Date(timeIntervalSince1970: 1_795_000_000.5)

    private func parse(_ line: String) throws -> [String: Any] {
        XCTAssertFalse(line.contains("\n"), "one line")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    func testJSONLineHasTheCommonFields() throws {
        let line = LogLine.json(time: time, level: .warning, instance: "web-1", message: "disk nearly full")
        let object = try parse(line)
        XCTAssertEqual(object["time"] as? String, "2026-11-18T11:06:40.500Z")
        XCTAssertEqual(object["level"] as? String, "warning")
        XCTAssertEqual(object["instance"] as? String, "web-1")
        XCTAssertEqual(object["message"] as? String, "disk nearly full")
        XCTAssertTrue(line.hasPrefix(#"{"time":"#), "time first, for people reading the raw lines")
    }

    func testStringsAreEscaped() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7F} é 日本 🙂 \u{2028}"
        let line = LogLine.json(time: time, level: .error, instance: "host:1", message: nasty,
                                fields: [("field \"x\"", .string(nasty))])
        let object = try parse(line)
        XCTAssertEqual(object["message"] as? String, nasty)
        XCTAssertEqual(object["field \"x\""] as? String, nasty)
        XCTAssertTrue(line.contains("é 日本 🙂"), "non-ASCII stays UTF-8")
        XCTAssertFalse(line.utf8.contains { $0 < 0x20 }, "no raw control characters")
    }

    func testAccessLineFields() throws {
        let fields = AccessLog.fields(method: "POST", path: "/session", status: 422, milliseconds: 12.345,
                                      requestID: "abc-123", client: "203.0.113.77")
        let object = try parse(LogLine.json(time: time, level: .info, instance: "i", message: "POST /session 422 12.3ms",
                                            fields: fields))
        XCTAssertEqual(object["request_id"] as? String, "abc-123")
        XCTAssertEqual(object["method"] as? String, "POST")
        XCTAssertEqual(object["route"] as? String, "/session")
        XCTAssertEqual(object["status"] as? Int, 422)
        XCTAssertEqual((object["duration_ms"] as? NSNumber)?.doubleValue, 12.3)
        XCTAssertEqual(object["client"] as? String, "203.0.113.x", "the client is masked")
        XCTAssertEqual(AccessLog.maskedClient("2001:db8:85a3::8a2e:370:7334"), "2001:db8:85a3::x")
        XCTAssertEqual(AccessLog.maskedClient("not an address"), "unknown")
    }

    func testTextLineIsUnchanged() {
        XCTAssertEqual(LogLine.text(time: time, level: .info, message: "GET / 200 0.1ms"),
                       "2026-11-18T11:06:40.500Z INFO GET / 200 0.1ms")
    }

    func testTextTimestampBytesReadAsTheString() {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Double] = [0, 1_795_000_000.5, 253_402_300_799.999, -1, 253_402_300_800]
        for _ in 0..<2_000 { seconds.append(Double.random(in: 0..<253_402_300_800, using: &generator)) }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            var out: [UInt8] = Array("ab".utf8)
            Timestamp.append(date, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "ab" + Timestamp.iso8601(date), "\(s)")
        }
        let line = LogLine.text(time: time, level: .info, capacity: 8) { $0.append(contentsOf: "GET / 200 0.1ms".utf8) }
        XCTAssertEqual(String(decoding: line, as: UTF8.self), LogLine.text(time: time, level: .info, message: "GET / 200 0.1ms"))
    }

    /// The text access line, built as bytes, as a collector reading text lines sees it.
    func testTextAccessLine() throws {
        var lines: [String] = []
        let lock = NSLock()
        Log.redirect { line in lock.lock(); lines.append(line); lock.unlock() }
        defer { Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }
        AccessLog.record(method: "POST", path: "/verify/json", status: 200, milliseconds: 12.34, requestID: "r1", client: "::1")
        AccessLog.record(method: nil, path: nil, status: 408, milliseconds: 0, requestID: nil, client: "::1")
        AccessLog.record(method: "GET", path: "/caf\u{E9}", status: 404, milliseconds: 1234.96, requestID: nil, client: "::1")
        lock.lock(); let captured = lines; lock.unlock()
        XCTAssertEqual(captured.count, 3)
        let stamp = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO "#
        for (line, message) in zip(captured, ["POST /verify/json 200 12.3ms id=r1", "- - 408 0.0ms", "GET /caf\u{E9} 404 1235.0ms"]) {
            XCTAssertNotNil(line.range(of: stamp + NSRegularExpression.escapedPattern(for: message) + "$", options: .regularExpression), line)
        }
    }

    func testConfiguredJSONLogWritesJSONLines() throws {
        var lines: [String] = []
        let lock = NSLock()
        Log.redirect { line in lock.lock(); lines.append(line); lock.unlock() }
        Log.configure(format: .json, instance: "test-instance")
        defer {
            Log.configure(format: .text, instance: "")
            Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        }
        AccessLog.record(method: "GET", path: "/a", status: 200, milliseconds: 1, requestID: "r1", client: "::1")
        Log.warning("plain \"line\"")
        lock.lock(); let captured = lines; lock.unlock()
        XCTAssertEqual(captured.count, 2)
        let access = try parse(captured[0]), plain = try parse(captured[1])
        XCTAssertEqual(access["request_id"] as? String, "r1")
        XCTAssertEqual(access["instance"] as? String, "test-instance")
        XCTAssertEqual(access["client"] as? String, "0:0:0::x")
        XCTAssertEqual(plain["message"] as? String, "plain \"line\"")
        XCTAssertNil(plain["request_id"])
    }

    /// Timestamps are computed by arithmetic (every access line has one) and must read exactly
    /// as gmtime_r's: leap days, century years, the ends of days and years, milliseconds.
    func testTimestampsMatchGmtime() {
        var seconds: [Double] = [0, 0.999, 59.5, 86_399.999, 951_782_400, 951_868_799.001, 4_107_542_400,
                                 1_795_000_000.5, 253_402_300_799.999, 1_709_164_800, 1_709_251_199.25]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { seconds.append(Double.random(in: 0..<253_402_300_800, using: &generator)) }
        for s in seconds {
            let date = Date(timeIntervalSince1970: s)
            XCTAssertEqual(Timestamp.iso8601(date), Timestamp.viaGmtime(date), "\(s)")
        }
        XCTAssertEqual(Timestamp.iso8601(Date(timeIntervalSince1970: 951_782_400.042)), "2000-02-29T00:00:00.042Z")
    }
}
