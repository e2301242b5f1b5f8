import XCTest
@testable import Security

final class SecretBoxTests: XCTestCase {
    private let key = SecureRandom.bytes(32)

    func testRoundTrip() throws {
        let box = try SecretBox(key: key)
        for plaintext in [[], Array("x".utf8), TOTP.generateSecret(), SecureRandom.bytes(1000)] {
            let sealed = box.seal(plaintext, associatedData: Array("user 42".utf8))
            XCTAssertEqual(sealed.count, 12 + plaintext.count + 16)
            XCTAssertEqual(try box.open(sealed, associatedData: Array("user 42".utf8)), plaintext)
        }
    }

    func testNonceIsFreshAndCiphertextHidesPlaintext() throws {
        let box = try SecretBox(key: key)
        let secret = TOTP.generateSecret()
        let a = box.seal(secret), b = box.seal(secret)
        XCTAssertNotEqual(a.prefix(12), b.prefix(12))
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(Array(a[12..<32]), secret)
    }

    func testTamperingIsDetected() throws {
        let box = try SecretBox(key: key)
        let sealed = box.seal(TOTP.generateSecret())
        for index in sealed.indices {  // nonce, ciphertext and tag alike
            var altered = sealed
            altered[index] ^= 0x01
            XCTAssertThrowsError(try box.open(altered)) { XCTAssertEqual($0 as? SecretBox.Error, .authenticationFailed, "byte \(index)") }
        }
        XCTAssertThrowsError(try box.open(Array(sealed.dropLast()))) { XCTAssertEqual($0 as? SecretBox.Error, .authenticationFailed) }
        XCTAssertThrowsError(try box.open(Array(sealed.prefix(27)))) { XCTAssertEqual($0 as? SecretBox.Error, .malformed) }
        XCTAssertThrowsError(try box.open([])) { XCTAssertEqual($0 as? SecretBox.Error, .malformed) }
    }

    func testWrongKeyOrAssociatedDataFails() throws {
        let sealed = try SecretBox(key: key).seal(Array("seed".utf8), associatedData: Array("user 1".utf8))
        var otherKey = key
        otherKey[0] ^= 0x80
        XCTAssertThrowsError(try SecretBox(key: otherKey).open(sealed, associatedData: Array("user 1".utf8))) {
            XCTAssertEqual($0 as? SecretBox.Error, .authenticationFailed)
        }
        XCTAssertThrowsError(try SecretBox(key: key).open(sealed, associatedData: Array("user 2".utf8)))
        XCTAssertThrowsError(try SecretBox(key: key).open(sealed))
    }

    func testKeyMustBe256Bits() {
        for length in [0, 16, 31, 33, 64] {
            XCTAssertThrowsError(try SecretBox(key: [UInt8](repeating: 1, count: length))) {
                XCTAssertEqual($0 as? SecretBox.Error, .invalidKeyLength)
            }
        }
    }

    // The GCM specification's AES-256 test cases 14 and 16 (McGrew & Viega), in our nonce ‖ ciphertext ‖ tag layout.
    func testKnownAnswers() throws {
        let zeroBox = try SecretBox(key: [UInt8](repeating: 0, count: 32))
        let case14 = [UInt8](repeating: 0, count: 12) + hex("cea7403d4d606b6e074ec5d3baf39d18") + hex("d0d1c8a799996bf0265b98b5d48ab919")
        XCTAssertEqual(try zeroBox.open(case14), [UInt8](repeating: 0, count: 16))

        let box = try SecretBox(key: hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let case16 = hex("cafebabefacedbaddecaf888")
            + hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
            + hex("76fc6ece0f4e1768cddf8853bb2d551b")
        XCTAssertEqual(try box.open(case16, associatedData: hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")),
                       hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"))
    }

    private func hex(_ string: String) -> [UInt8] { Hex.decode(string)! }
}
