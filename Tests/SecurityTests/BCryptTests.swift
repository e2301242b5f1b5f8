import XCTest
@testable import Security

final class BCryptTests: XCTestCase {
    func testRoundTripAtCost4() throws {
        let digest = try BCrypt.hash("correct horse battery staple", cost: 4)
        XCTAssertTrue(digest.hasPrefix("$2b$04$"), digest)
        XCTAssertEqual(digest.count, 60)
        XCTAssertEqual(BCrypt.cost(of: digest), 4)
        XCTAssertTrue(BCrypt.verify("correct horse battery staple", against: digest))
        XCTAssertFalse(BCrypt.verify("correct horse battery stapl", against: digest))
        XCTAssertFalse(BCrypt.verify("", against: digest))
    }

    func testSaltsDiffer() throws {
        XCTAssertNotEqual(try BCrypt.hash("same", cost: 4), try BCrypt.hash("same", cost: 4))
    }

    func testUnicodeAndEmptyPasswords() throws {
        let digest = try BCrypt.hash("pässwörd 🔐", cost: 4)
        XCTAssertTrue(BCrypt.verify("pässwörd 🔐", against: digest))
        XCTAssertFalse(BCrypt.verify("passwørd 🔐", against: digest))
        let empty = try BCrypt.hash("", cost: 4)
        XCTAssertTrue(BCrypt.verify("", against: empty))
        XCTAssertFalse(BCrypt.verify("x", against: empty))
    }

    // Openwall crypt_blowfish test vectors (also used by bcrypt-ruby, which Rails'
    // has_secure_password uses to make $2a$ digests).
    func testKnownTwoADigestsVerify() {
        XCTAssertTrue(BCrypt.verify("U*U", against: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        XCTAssertTrue(BCrypt.verify("U*U*", against: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"))
        XCTAssertTrue(BCrypt.verify("", against: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"))
        XCTAssertFalse(BCrypt.verify("U*U*", against: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        XCTAssertEqual(BCrypt.cost(of: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"), 5)
    }

    // The PHP manual's password_verify example; PHP writes $2y$.
    func testKnownTwoYDigestVerifies() {
        XCTAssertTrue(BCrypt.verify("rasmuslerdorf", against: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"))
        XCTAssertFalse(BCrypt.verify("rasmuslerdorF", against: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"))
        // For ASCII passwords $2a$, $2b$ and $2y$ compute the same hash.
        XCTAssertTrue(BCrypt.verify("U*U", against: "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        XCTAssertTrue(BCrypt.verify("U*U", against: "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
    }

    func testOverlongPasswordIsRefusedNotTruncated() throws {
        let max = String(repeating: "a", count: 72)
        let tooLong = max + "b"
        XCTAssertThrowsError(try BCrypt.hash(tooLong, cost: 4)) { error in
            XCTAssertEqual(error as? BCrypt.Failure, .passwordTooLong)
        }
        let digest = try BCrypt.hash(max, cost: 4)
        XCTAssertTrue(BCrypt.verify(max, against: digest))
        XCTAssertFalse(BCrypt.verify(tooLong, against: digest), "bcrypt would ignore byte 73; we must not")
        // 72 bytes counted in UTF-8, not characters: 25 × "é" is 50 bytes, 37 × is 74.
        XCTAssertThrowsError(try BCrypt.hash(String(repeating: "é", count: 37), cost: 4))
    }

    func testNULInPasswordIsRefused() throws {
        XCTAssertThrowsError(try BCrypt.hash("abc\0def", cost: 4)) { error in
            XCTAssertEqual(error as? BCrypt.Failure, .passwordContainsNUL)
        }
        let digest = try BCrypt.hash("abc", cost: 4)
        XCTAssertFalse(BCrypt.verify("abc\0def", against: digest))
    }

    func testInvalidCost() {
        XCTAssertThrowsError(try BCrypt.hash("x", cost: 3)) { XCTAssertEqual($0 as? BCrypt.Failure, .invalidCost(3)) }
        XCTAssertThrowsError(try BCrypt.hash("x", cost: 32)) { XCTAssertEqual($0 as? BCrypt.Failure, .invalidCost(32)) }
    }

    func testMalformedDigestsNeverVerify() {
        for digest in ["", "*0", "$2b$", "plain", "$1$abcdefgh$abcdefghijklmnopqrstuv",
                       "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                       "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
                       "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX"] {
            XCTAssertFalse(BCrypt.verify("U*U", against: digest), digest)
        }
        XCTAssertNil(BCrypt.cost(of: "$2b$xx$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        XCTAssertNil(BCrypt.cost(of: "nonsense"))
    }
}
