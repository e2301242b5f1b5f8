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
    }
}
