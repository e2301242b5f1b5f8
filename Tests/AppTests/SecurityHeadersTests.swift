@testable import App
import HTTP
import XCTest

final class SecurityHeadersTests: XCTestCase {
    /// Whatever a controller set under these names (in any case) is replaced, not doubled, and HSTS
    /// is dropped over plain HTTP; other fields stay, one with a name as long as ours among them.
    func testReplacesControllerValuesAndKeepsTheRest() {
        var response = HTTPResponse(status: 200, headers: HTTPHeaders([
            ("content-security-policy", "default-src *"), ("X-Frame-Options", "SAMEORIGIN"),
            ("Content-Type", "text/html"), ("x-frame-options", "ALLOW-FROM x"),
            ("STRICT-TRANSPORT-SECURITY", "max-age=1"), ("X-Frame-Optionz", "same length, another name"),
        ]))
        SecurityHeaders.apply(to: &response, secure: false)
        XCTAssertEqual(response.headers.values("Content-Security-Policy"), [SecurityHeaders.contentSecurityPolicy])
        XCTAssertEqual(response.headers.values("X-Frame-Options"), ["DENY"])
        XCTAssertEqual(response.headers.values("X-Content-Type-Options"), ["nosniff"])
        XCTAssertEqual(response.headers.values("Referrer-Policy"), ["same-origin"])
        XCTAssertEqual(response.headers.values("Content-Type"), ["text/html"])
        XCTAssertEqual(response.headers.values("X-Frame-Optionz"), ["same length, another name"])
        XCTAssertFalse(response.headers.contains("Strict-Transport-Security"))

        SecurityHeaders.apply(to: &response, secure: true)
        XCTAssertEqual(response.headers.values("Strict-Transport-Security"), ["max-age=31536000; includeSubDomains"])
        XCTAssertEqual(response.headers.values("X-Frame-Options"), ["DENY"], "applying twice adds nothing")
        XCTAssertEqual(response.headers.count, 7)
    }
}
