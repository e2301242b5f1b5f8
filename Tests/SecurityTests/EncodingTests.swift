import Foundation
import XCTest
@testable import Security

final class EncodingTests: XCTestCase {
    func testHexRoundTrip() {
        XCTAssertEqual(Hex.encode([0x00, 0x0f, 0xa5, 0xff]), "000fa5ff")
        XCTAssertEqual(Hex.decode("000FA5ff"), [0x00, 0x0f, 0xa5, 0xff])
        XCTAssertEqual(Hex.decode(""), [])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }

    // RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
    func testBase64URLVectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff, 0xbf]), "-_-_")
        XCTAssertEqual(Base64URL.decode("-_-_"), [0xfb, 0xff, 0xbf])
    }

    func testBase64URLRejectsGarbage() {
        XCTAssertNil(Base64URL.decode("Zg=="), "padding")
        XCTAssertNil(Base64URL.decode("+/+/"), "standard alphabet")
        XCTAssertNil(Base64URL.decode("Z"), "impossible length")
        XCTAssertNil(Base64URL.decode("Zh"), "non-zero leftover bits")
        XCTAssertNil(Base64URL.decode("Zm 9v"))
    }

    func testBase64URLRoundTripsRandomBytes() {
        for count in 0..<40 {
            let bytes = SecureRandom.bytes(count)
            XCTAssertEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes)
        }
    }

    /// Foundation's Base64 as the oracle, with the URL-safe letters and the padding taken off:
    /// every length from 0 to 70 bytes (each of the three endings after whole groups), then every
    /// byte value in each of a group's three places.
    func testBase64URLEncodesAsFoundationDoes() {
        func foundation(_ bytes: [UInt8]) -> String {
            Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        for count in 0...70 {
            let bytes = SecureRandom.bytes(count)
            XCTAssertEqual(Base64URL.encode(bytes), foundation(bytes), "\(count) bytes")
        }
        let every = (0...255).map(UInt8.init)
        for shift in 0..<3 {
            let bytes = Array(every[shift...] + every[..<shift])
            XCTAssertEqual(Base64URL.encode(bytes), foundation(bytes), "rotated by \(shift)")
        }
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]), "different lengths")
        XCTAssertFalse(ConstantTime.equals([1, 2], [1, 2, 3]), "different lengths")
        XCTAssertFalse(ConstantTime.equals([], [0]))
    }
}
