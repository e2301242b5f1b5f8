import XCTest
@testable import Security

final class CBORTests: XCTestCase {
    private func decode(_ hex: String) throws -> CBOR { try CBOR.decode(Hex.decode(hex)!) }

    private func assertRefused(_ hex: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(hex), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(hex): \(error)", file: file, line: line)
        }
    }

    // RFC 8949 Appendix A: the examples in the subset we accept.
    func testRFC8949Examples() throws {
        XCTAssertEqual(try decode("00"), .unsigned(0))
        XCTAssertEqual(try decode("17"), .unsigned(23))
        XCTAssertEqual(try decode("1818"), .unsigned(24))
        XCTAssertEqual(try decode("1903e8"), .unsigned(1000))
        XCTAssertEqual(try decode("1a000f4240"), .unsigned(1_000_000))
        XCTAssertEqual(try decode("1b000000e8d4a51000"), .unsigned(1_000_000_000_000))
        XCTAssertEqual(try decode("1bffffffffffffffff"), .unsigned(UInt64.max))
        XCTAssertEqual(try decode("20").int, -1)
        XCTAssertEqual(try decode("3863").int, -100)
        XCTAssertEqual(try decode("3903e7").int, -1000)
        XCTAssertEqual(try decode("40"), .bytes([]))
        XCTAssertEqual(try decode("4401020304"), .bytes([1, 2, 3, 4]))
        XCTAssertEqual(try decode("60"), .text(""))
        XCTAssertEqual(try decode("6449455446"), .text("IETF"))
        XCTAssertEqual(try decode("62c3bc"), .text("\u{00FC}"))
        XCTAssertEqual(try decode("83010203"), .array([.unsigned(1), .unsigned(2), .unsigned(3)]))
        XCTAssertEqual(try decode("8301820203820405"),
                       .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])]))
        let map = try decode("a201020304")
        XCTAssertEqual(map[int: 1], .unsigned(2))
        XCTAssertEqual(map[int: 3], .unsigned(4))
        XCTAssertEqual(try decode("a26161016162820203")[text: "b"], .array([.unsigned(2), .unsigned(3)]))
        XCTAssertEqual(try decode("f4"), .bool(false))
        XCTAssertEqual(try decode("f5"), .bool(true))
        XCTAssertEqual(try decode("f6"), .null)
    }

    func testRefusesWhatCTAP2NeverSends() {
        assertRefused("5f42010243030405ff", "indefinite")      // indefinite byte string
        assertRefused("9f018202039f0405ffff", "indefinite")    // indefinite array
        assertRefused("bf61610161629f0203ffff", "indefinite")  // indefinite map
        assertRefused("c11a514b67b0", "tags")                  // tag 1 (epoch time)
        assertRefused("f90000", "floats")                      // half-precision 0.0
        assertRefused("fb3ff199999999999a", "floats")          // 1.1
        assertRefused("f7", "simple")                          // undefined
        assertRefused("ff", "break")
        assertRefused("1c", "reserved")
    }

    func testRefusesLongerThanShortestEncodings() {
        assertRefused("1817", "shortest")                  // 23 in two bytes
        assertRefused("190017", "shortest")
        assertRefused("1a0000ffff", "shortest")
        assertRefused("1b00000000ffffffff", "shortest")
        assertRefused("5801ff", "shortest")                // a 1-byte string with a 1-byte length field
    }

    func testBoundsLengthsByTheInput() {
        assertRefused("", "ends early")
        assertRefused("1903", "ends early")
        assertRefused("5bffffffffffffffff", "longer than the input")   // 2^64-1 bytes claimed
        assertRefused("7a7fffffff61", "longer than the input")
        assertRefused("9bffffffffffffffff", "longer than the input")   // an array of 2^64-1 items
        assertRefused("bb7fffffffffffffff", "longer than the input")
        assertRefused("820118", "ends early")
    }

    func testBoundsDepthAndItemCount() throws {
        let deep = String(repeating: "81", count: 8) + "00"   // 9 levels
        assertRefused(deep, "deeper")
        XCTAssertNoThrow(try decode(String(repeating: "81", count: 7) + "00"))
        var many = CBORDecoder(Hex.decode("98ff" + String(repeating: "00", count: 255))!, limits: .init(maxDepth: 8, maxItems: 100))
        XCTAssertThrowsError(try many.item()) { XCTAssertTrue("\($0)".contains("items"), "\($0)") }
    }

    func testRefusesDuplicateAndOddMapKeys() {
        assertRefused("a201020103", "duplicate")
        assertRefused("a2616101616102", "duplicate")
        assertRefused("a14000", "keys")       // a byte-string key
        assertRefused("a1800000", "keys")     // an array key
    }

    func testRefusesInvalidUTF8AndTrailingBytes() {
        assertRefused("62c328", "UTF-8")
        assertRefused("63eda080", "UTF-8")    // a UTF-16 surrogate encoded in UTF-8
        assertRefused("0000", "after the CBOR item")
    }

    func testEncodingRoundTrips() throws {
        let value = CBOR.map([.init(key: .text("fmt"), value: .text("none")),
                              .init(key: .negative(0), value: .bytes(Array(repeating: 7, count: 300))),
                              .init(key: .unsigned(70000), value: .array([.bool(true), .null, .unsigned(UInt64.max)]))])
        XCTAssertEqual(try CBOR.decode(value.encoded()), value)
    }
}
