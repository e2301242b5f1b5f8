@testable import App
import XCTest
import TestSupport

/// SECURE_COOKIES: behind a TLS-terminating proxy the app speaks plain HTTP, yet every
/// cookie must carry `Secure` and every response HSTS.
final class SecureCookiesTests: IntegrationTestCase {
    override var environment: [String: String] { ["SECURE_COOKIES": "on"] }

    func testCookiesAreSecureAndHSTSIsSent() throws {
        let browser = server.browser()
        let form = try browser.get("/user/new")
        XCTAssertEqual(form.header("strict-transport-security"), "max-age=31536000; includeSubDomains")
        let created = try signUp(browser)
        let cookies = created.headers("set-cookie")
        XCTAssertFalse(cookies.isEmpty)
        for cookie in cookies {
            XCTAssertTrue(cookie.contains("; Secure"), cookie)
            XCTAssertTrue(cookie.contains("HttpOnly"), cookie)
        }
    }

    func testOnByDefaultInProductionOnly() throws {
        let base = ["APP_ROOT": Repository.root, "SECRET_KEY_BASE": String(repeating: "p", count: 64),
                    "SMS_GATEWAY": "outbox", "DATABASE_URL": server.directory + "/other.sqlite3"]
        var production = base
        production["APP_ENV"] = "production"
        XCTAssertTrue(try AppConfig.load(environment: production).secureCookies)
        production["SECURE_COOKIES"] = "off"
        XCTAssertFalse(try AppConfig.load(environment: production).secureCookies)
        var test = base
        test["APP_ENV"] = "test"
        XCTAssertFalse(try AppConfig.load(environment: test).secureCookies)
    }
}
