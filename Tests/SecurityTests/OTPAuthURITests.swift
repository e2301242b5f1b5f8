import Foundation
import XCTest
@testable import Security

final class OTPAuthURITests: XCTestCase {
    private let totp = TOTP(secret: Array("12345678901234567890".utf8))

    func testURIFormat() {
        XCTAssertEqual(OTPAuthURI.totp(totp, issuer: "twofa", account: "alice"),
                       "otpauth://totp/twofa:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=twofa&algorithm=SHA1&digits=6&period=30")
        XCTAssertEqual(OTPAuthURI.totp(TOTP(secret: [0xFF], digits: 8, period: 60), issuer: "X", account: "y"),
                       "otpauth://totp/X:y?secret=74&issuer=X&algorithm=SHA1&digits=8&period=60")
    }

    func testPercentEncoding() {
        let uri = OTPAuthURI.totp(totp, issuer: "ACME Co: Zoë", account: "jane.doe+2fa@example.com")
        XCTAssertTrue(uri.hasPrefix("otpauth://totp/ACME%20Co%3A%20Zo%C3%AB:jane.doe%2B2fa%40example.com?secret="), uri)
        XCTAssertTrue(uri.contains("&issuer=ACME%20Co%3A%20Zo%C3%AB&"), uri)
        XCTAssertEqual(OTPAuthURI.percentEncode("a-b.c_d~e/f?g&h=i#j%"), "a-b.c_d~e%2Ff%3Fg%26h%3Di%23j%25")

        // A generic URI parser reads the parts back unchanged.
        let parsed = URLComponents(string: uri)
        XCTAssertEqual(parsed?.scheme, "otpauth")
        XCTAssertEqual(parsed?.host, "totp")
        XCTAssertEqual(parsed?.path, "/ACME Co: Zoë:jane.doe+2fa@example.com")
        let query = Dictionary(uniqueKeysWithValues: (parsed?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        XCTAssertEqual(query, ["secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer": "ACME Co: Zoë",
                               "algorithm": "SHA1", "digits": "6", "period": "30"])
        XCTAssertEqual(Base32.decode(query["secret"] ?? ""), totp.secret)
    }
}
