@testable import App
import Support
import XCTest

final class PhoneNumberTests: XCTestCase {
    func testAcceptedFormsNormaliseToE164() {
        XCTAssertEqual(try PhoneNumber.normalize("+44 7700 900000").get(), "+447700900000")
        XCTAssertEqual(try PhoneNumber.normalize("447700900000").get(), "+447700900000")
        XCTAssertEqual(try PhoneNumber.normalize("(+1) 202-555-0123").get(), "+12025550123")
        XCTAssertEqual(try PhoneNumber.normalize("  +1.202.555.0123 ").get(), "+12025550123")
        XCTAssertEqual(try PhoneNumber.normalize("12345678").get(), "+12345678", "8 digits is the minimum")
        XCTAssertEqual(try PhoneNumber.normalize("123456789012345").get(), "+123456789012345", "15 is the maximum")
    }

    func testRefusals() {
        XCTAssertEqual(problem(""), .empty)
        XCTAssertEqual(problem("+44 7700 9OOOOO"), .invalidCharacters)
        XCTAssertEqual(problem("call me"), .invalidCharacters)
        XCTAssertEqual(problem("+44 +7700 900000"), .misplacedPlus)
        XCTAssertEqual(problem("44 7700+900000"), .misplacedPlus)
        XCTAssertEqual(problem("1234567"), .tooShort)
        XCTAssertEqual(problem("1234567890123456"), .tooLong)
        XCTAssertEqual(problem("07700 900000"), .leadingZero)
        XCTAssertEqual(problem("+0 44 7700 900000"), .leadingZero)
        XCTAssertEqual(problem("+४४ 7700 900000"), .invalidCharacters, "only ASCII digits")
    }

    /// What an API may send as a number: ASCII digits and `+`, nothing else.
    func testAPIForm() {
        XCTAssertEqual(PhoneNumber.fromAPI("447700900000"), "+447700900000")
        XCTAssertEqual(PhoneNumber.fromAPI("+447700900000"), "+447700900000")
        for refused in ["", "+44 7700 900000", "44-7700-900000", "+४४7700900000", "４４7700900000", "447700900000\n",
                        "4477009\u{0301}00000", "+44+7700900000", "0447700900"] {
            XCTAssertNil(PhoneNumber.fromAPI(refused), refused)
        }
        XCTAssertTrue(PhoneNumber.isAPIForm("+0123"))
        XCTAssertFalse(PhoneNumber.isAPIForm("１"), "a fullwidth digit is a number, not an ASCII digit")
    }

    func testEveryProblemHasAMessage() {
        for p in [PhoneNumber.Problem.empty, .invalidCharacters, .misplacedPlus, .tooShort, .tooLong, .leadingZero] {
            XCTAssertFalse(p.description.isEmpty)
        }
    }

    private func problem(_ s: String) -> PhoneNumber.Problem? {
        if case .failure(let p) = PhoneNumber.normalize(s) { return p }
        return nil
    }
}
