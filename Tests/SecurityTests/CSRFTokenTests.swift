import XCTest
@testable import Security

final class CSRFTokenTests: XCTestCase {
    private let secret = SecureRandom.bytes(CSRFToken.secretByteCount)

    func testGeneratedTokenIsValid() {
        let token = CSRFToken.generate(sessionSecret: secret)
        XCTAssertTrue(CSRFToken.isValid(token, sessionSecret: secret))
        XCTAssertEqual(Base64URL.decode(token)?.count, 64)
    }

    func testEachTokenIsFreshlyMasked() {
        let a = CSRFToken.generate(sessionSecret: secret), b = CSRFToken.generate(sessionSecret: secret)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(CSRFToken.isValid(a, sessionSecret: secret))
        XCTAssertTrue(CSRFToken.isValid(b, sessionSecret: secret))
    }

    func testOtherSessionsSecretIsInvalid() {
        let token = CSRFToken.generate(sessionSecret: secret)
        XCTAssertFalse(CSRFToken.isValid(token, sessionSecret: SecureRandom.bytes(32)))
        XCTAssertFalse(CSRFToken.isValid(token, sessionSecret: []))
    }

    func testTamperedTokenIsInvalid() {
        var raw = Base64URL.decode(CSRFToken.generate(sessionSecret: secret))!
        raw[40] ^= 0x01
        XCTAssertFalse(CSRFToken.isValid(Base64URL.encode(raw), sessionSecret: secret))
        // The bare secret (an unmasked token) must not pass either.
        XCTAssertFalse(CSRFToken.isValid(Base64URL.encode(secret), sessionSecret: secret))
        // Nor a truncated token.
        XCTAssertFalse(CSRFToken.isValid(Base64URL.encode(Array(raw.prefix(63))), sessionSecret: secret))
    }

    func testEmptySecretGivesATokenThatNeverValidates() {
        XCTAssertEqual(CSRFToken.generate(sessionSecret: []), "")
        XCTAssertFalse(CSRFToken.isValid("", sessionSecret: []))
    }

    func testGarbageIsInvalid() {
        for garbage in ["", "x", "not a token", String(repeating: "A", count: 10_000), "====", "💥"] {
            XCTAssertFalse(CSRFToken.isValid(garbage, sessionSecret: secret), garbage)
        }
    }
}
