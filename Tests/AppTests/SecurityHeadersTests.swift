@testable import App
import HTTP
import XCTest

final class SecurityHeadersTests: XCTestCase {
    /// Whatever a controller set under these names is replaced, not doubled; other fields stay.
    func testReplacesControllerValuesAndKeepsTheRest() {
        var response = HTTPResponse(status: 200, headers: HTTPHeaders([
            ("content-security-policy", "default-src *"), ("X-Frame-Options", "SAMEORIGIN"),
            ("Content-Type", "text/html"), ("x-frame-options", "ALLOW-FROM x"),
        ]))
        SecurityHeaders.apply(to: &response, secure: false)
        XCTAssertEqual(response.headers.values("Content-Security-Policy"), [SecurityHeaders.contentSecurityPolicy])
        XCTAssertEqual(response.headers.values("X-Frame-Options"), ["DENY"])
        XCTAssertEqual(response.headers.values("X-Content-Type-Options"), ["nosniff"])
        XCTAssertEqual(response.headers.values("Referrer-Policy"), ["same-origin"])
        XCTAssertEqual(response.headers.values("Content-Type"), ["text/html"])
        XCTAssertFalse(response.headers.contains("Strict-Transport-Security"))

        SecurityHeaders.apply(to: &response, secure: true)
        XCTAssertEqual(response.headers.values("Strict-Transport-Security"), ["max-age=31536000; includeSubDomains"])
        XCTAssertEqual(response.headers.values("X-Frame-Options"), ["DENY"], "applying twice adds nothing")
        XCTAssertEqual(response.headers.count, 6)
    }
}
