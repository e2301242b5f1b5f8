import XCTest
@testable import Security

final class Base32Tests: XCTestCase {
    // RFC 4648 §10, without the padding we never emit.
    private let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ",
                           "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]

    func testRFC4648Vectors() {
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base32.encode(Array(plain.utf8)), encoded, plain)
            XCTAssertEqual(Base32.decode(encoded), Array(plain.utf8), encoded)
        }
    }

    func testDecodeIsLenient() {
        XCTAssertEqual(Base32.decode("MZXW6YTBOI======"), Array("foobar".utf8), "padding")
        XCTAssertEqual(Base32.decode("MY======"), Array("f".utf8))
        XCTAssertEqual(Base32.decode("mzxw 6ytb oi"), Array("foobar".utf8), "lower case and spaces")
        XCTAssertEqual(Base32.decode("MZXW-6YTB-OI"), Array("foobar".utf8), "hyphens")
    }

    func testDecodeRejectsGarbage() {
        XCTAssertNil(Base32.decode("MZXW1"), "1 is not in the alphabet")
        XCTAssertNil(Base32.decode("MZXW0"), "nor is 0")
        XCTAssertNil(Base32.decode("MZXW6!"))
        XCTAssertNil(Base32.decode("M"), "1 leftover character cannot encode a byte")
        XCTAssertNil(Base32.decode("MZX"), "nor can 3")
        XCTAssertNil(Base32.decode("MZXW6Y"), "nor 6")
        XCTAssertNil(Base32.decode("MZXW6é"))
    }

    func testRoundTripOfRandomSecrets() {
        for length in [1, 5, 10, 20, 32] {
            let bytes = SecureRandom.bytes(length)
            let encoded = Base32.encode(bytes)
            XCTAssertFalse(encoded.contains("="))
            XCTAssertEqual(encoded.count, (length * 8 + 4) / 5)
            XCTAssertEqual(Base32.decode(encoded), bytes)
            XCTAssertEqual(Base32.decode(encoded.lowercased()), bytes)
        }
        XCTAssertEqual(Base32.encode(Array("12345678901234567890".utf8)), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }
}
