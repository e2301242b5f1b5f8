import Foundation
import XCTest
import Support
import HTTP
@testable import App

/// `JSON.quote`, on every API answer and outbox line: what it escapes, byte for byte, and that
/// a JSON parser reads back exactly the string it was given.
final class JSONQuoteTests: XCTestCase {
    func testEscapes() {
        XCTAssertEqual(JSON.quote(""), #""""#)
        XCTAssertEqual(JSON.quote("plain text"), #""plain text""#)
        XCTAssertEqual(JSON.quote("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(JSON.quote("1\n2\r3\t4"), #""1\n2\r3\t4""#)
        XCTAssertEqual(JSON.quote("\u{0}\u{1f}\u{7f}"), "\"\\u0000\\u001f\u{7f}\"")
        XCTAssertEqual(JSON.quote("x\u{2028}y\u{2029}z"), #""x\u2028y\u2029z""#)
        // Other characters whose UTF-8 starts with E2 (as U+2028 does) stay as they are.
        XCTAssertEqual(JSON.quote("€ – ✓"), "\"€ – ✓\"")
        XCTAssertEqual(JSON.quote("ends in \u{e2}"), "\"ends in \u{e2}\"")
        XCTAssertEqual(JSON.object([("to", "+447700900123"), ("body", "Code: 1234\n")]),
                       #"{"to":"+447700900123","body":"Code: 1234\n"}"#)
    }

    func testRoundTripsThroughAJSONParser() throws {
        var samples = ["Ünïcødé 你好 🎉", "\u{2028}\u{2029}", "\u{e2}\u{80}", String(repeating: "long \"run\" ", count: 200)]
        samples.append(String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }))
        for sample in samples {
            let data = Data(("[" + JSON.quote(sample) + "]").utf8)
            let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String])
            XCTAssertEqual(parsed, [sample])
        }
    }
}

/// `Timestamp.iso8601`, on every outbox line: UTC, milliseconds, zero-padded.
final class TimestampTests: XCTestCase {
    func testFormat() {
        XCTAssertEqual(Timestamp.iso8601(Date(timeIntervalSince1970: 1_795_219_141.125)), "2026-11-20T23:59:01.125Z")
        XCTAssertEqual(Timestamp.iso8601(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp.iso8601(Date(timeIntervalSince1970: 951_782_405.5)), "2000-02-29T00:00:05.500Z")
    }
}

/// `JSONValue`, every API answer: nesting, separators, escapes and key order, byte for byte,
/// and what a JSON parser reads back.
final class JSONValueTests: XCTestCase {
    func testSerializesNestedValuesInOrder() throws {
        let value = JSONValue.object([
            ("request_id", .string("abc\"1")), ("count", .int(-42)), ("ok", .bool(true)), ("no", .bool(false)),
            ("nothing", .null), ("empty", .array([])), ("none", .object([])),
            ("checks", .array([.object([("code", .string("12\n34"))]), .int(7), .array([.null])])),
        ])
        let expected = #"{"request_id":"abc\"1","count":-42,"ok":true,"no":false,"nothing":null,"empty":[],"none":{},"#
            + #""checks":[{"code":"12\n34"},7,[null]]}"#
        XCTAssertEqual(value.serialized, expected)
        XCTAssertEqual(value.bytes, Array(expected.utf8))
        XCTAssertEqual(JSONValue.string("€\u{2028}").serialized, "\"€\\u2028\"")

        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(value.bytes)) as? [String: Any])
        XCTAssertEqual(parsed["request_id"] as? String, "abc\"1")
        XCTAssertEqual(parsed["count"] as? Int, -42)
        XCTAssertEqual((parsed["checks"] as? [Any])?.count, 3)
    }

    func testResponseCarriesTheBytes() {
        let response = JSONValue.object([("status", .string("0"))]).response(status: 201)
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.body, Array(#"{"status":"0"}"#.utf8))
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
    }
}
