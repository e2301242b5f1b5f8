import Support
import XCTest

final class RedactTests: XCTestCase {
    func testMasksAllButCountryCodeAndLastThreeDigits() {
        XCTAssertEqual(Redact.phone("+447700900000"), "+44 ••••••• 000")
        XCTAssertEqual(Redact.phone("+12025550123"), "+1 ••••••• 123")
        XCTAssertEqual(Redact.phone("+3531234567890"), "+353 ••••••• 890")
    }

    func testShortInputRevealsNothing() {
        XCTAssertEqual(Redact.phone("+4412"), "+••••")
        XCTAssertEqual(Redact.phone(""), "+")
        XCTAssertEqual(Redact.phone("not a number"), "+")
    }

    func testOtherBulletsSeparatorsAndZones() {
        XCTAssertEqual(Redact.phone("+447700900000", bullet: "*"), "+44 ******* 000")
        XCTAssertEqual(Redact.phone("+44 (7700) 900-123", bullet: "x"), "+44 xxxxxxx 123")
        XCTAssertEqual(Redact.phone("+79161234567"), "+7 ••••••• 567")
        XCTAssertEqual(Redact.phone("+886912345678901"), "+886 ••••••••• 901")
        XCTAssertEqual(Redact.phone("+2012345"), "+20 •• 345")
        XCTAssertEqual(Redact.phone("+201234"), "+••••••")
    }
}
