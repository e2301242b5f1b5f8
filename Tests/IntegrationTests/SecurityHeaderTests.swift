import Database
import XCTest
import TestSupport

/// Security headers on every response — pages, redirects, errors, assets, operations
/// endpoints — and no-store on every authenticated page.
final class SecurityHeaderTests: IntegrationTestCase {
    func assertSecurityHeaders(_ response: TestResponse, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let csp = response.header("content-security-policy") ?? ""
        XCTAssertTrue(csp.contains("frame-ancestors 'none'"), "\(what): CSP \(csp)", file: file, line: line)
        XCTAssertTrue(csp.contains("default-src 'none'"), "\(what): CSP \(csp)", file: file, line: line)
        // Scripts only as files from our own origin (public/passkeys.js, issue 17): never inline or eval'd.
        XCTAssertTrue(csp.contains("script-src 'self';"), "\(what): CSP \(csp)", file: file, line: line)
        XCTAssertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), "\(what): no inline script", file: file, line: line)
        XCTAssertEqual(response.header("x-content-type-options"), "nosniff", what, file: file, line: line)
        XCTAssertEqual(response.header("referrer-policy"), "same-origin", what, file: file, line: line)
        XCTAssertNil(response.header("strict-transport-security"), "\(what): no HSTS over plain HTTP", file: file, line: line)
    }

    func testEveryKindOfResponseCarriesTheHeaders() throws {
        let browser = server.browser()
        let login = try browser.get("/session/new")
        assertSecurityHeaders(login, "page")
        let css = try XCTUnwrap(login.body.range(of: #"/assets/application\.css\?v=[0-9a-f]+"#, options: .regularExpression))
        assertSecurityHeaders(try browser.get(String(login.body[css])), "stylesheet")
        assertSecurityHeaders(try browser.get("/assets/favicon.svg"), "favicon")
        assertSecurityHeaders(try browser.get("/"), "redirect")
        XCTAssertEqual(try browser.get("/").status, 303)
        assertSecurityHeaders(try browser.get("/nowhere"), "404")
        assertSecurityHeaders(try HTTPClient.request(port: server.port, method: "PUT", path: "/session/new"), "405")
        let forged = try browser.postWithoutToken("/session", [("username", "a"), ("password", "b")])
        XCTAssertEqual(forged.status, 403)
        assertSecurityHeaders(forged, "403")
        assertSecurityHeaders(try browser.get("/healthz"), "healthz")
        assertSecurityHeaders(try browser.get("/metrics"), "metrics")
        assertSecurityHeaders(try browser.get("/verify/openapi.json"), "API")
        assertSecurityHeaders(try browser.get("/session/new?x=%zz"), "400")
    }

    func testServerErrorCarriesTheHeaders() throws {
        let browser = try verifiedUser()
        // Break the database under a logged-in browser: loading its session fails → 500
        // (SQLite: a misuse); PostgreSQL's closed pool is an outage like any other → 503.
        server.app.database.close()
        let broken = try browser.get("/")
        XCTAssertEqual(broken.status, TestDatabase.isPostgres ? 503 : 500)
        assertSecurityHeaders(broken, "500")
    }

    func testAuthenticatedPagesAreNeverCached() throws {
        let browser = try verifiedUser()
        for path in ["/", "/user/edit", "/user/sessions", "/user/activity"] {
            let page = try browser.get(path)
            XCTAssertEqual(page.status, 200, path)
            XCTAssertEqual(page.header("cache-control"), "no-store", path)
            assertSecurityHeaders(page, path)
        }
    }
}
