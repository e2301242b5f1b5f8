import Verify
import XCTest

/// `VerifyCheck.isCodeForm` takes exactly the codes the `Character` test it replaced took:
/// 1–10 characters, each ASCII and numeric.
final class VerifyCodeFormTests: XCTestCase {
    private func characterTest(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 10 && code.allSatisfy { $0.isASCII && $0.isNumber }
    }

    func testAcceptsWhatTheCharacterTestAccepted() {
        var generator = SystemRandomNumberGenerator()
        // Digits of other scripts (Arabic-Indic, full-width, superscript), a combining accent
        // on a digit, CR LF (one ASCII Character), letters, blanks.
        let pieces = ["0", "1", "5", "9", "٣", "１", "²", "1\u{0301}", "\r\n", "a", " ", "-", "+", "½", "0000000000"]
        var cases = ["", "0", "1234", "123456", "1234567890", "12345678901", " 1234", "1234 ", "12 34", "١٢٣٤"]
        for _ in 0..<20_000 {
            cases.append((0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for code in cases {
            XCTAssertEqual(VerifyCheck.isCodeForm(code), characterTest(code), code.debugDescription)
        }
        XCTAssertTrue(VerifyCheck.isCodeForm("1234567890"))
        XCTAssertFalse(VerifyCheck.isCodeForm("12345678901"))
    }
}
