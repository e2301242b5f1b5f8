import XCTest
import TestSupport

/// The product's heart, end to end over real HTTP: register → PIN → protected page →
/// logout → log in again → PIN → protected page.
final class JourneyTests: IntegrationTestCase {
    func testWholeJourney() throws {
        let browser = server.browser()

        let form = try browser.get("/user/new")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.body.contains(#"autocomplete="new-password""#))
        XCTAssertTrue(form.body.contains(#"autocomplete="tel""#))

        let created = try signUp(browser, username: "Alice_1", number: "+44 7700 900000")
        XCTAssertEqual(created.status, 303)
        XCTAssertEqual(created.location, "/verification/new")
        XCTAssertEqual(server.messages().count, 1, "sign-up texts exactly one PIN")
        let message = try XCTUnwrap(server.messages().first)
        XCTAssertEqual(message["to"], "+447700900000")
        XCTAssertEqual(message["channel"], "sms")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900000"))
        XCTAssertEqual(message["body"], "Your twofa code is \(pin). It expires in 5 minutes.")
        XCTAssertNotNil(message["sent_at"])

        // Half logged in: the protected page sends us back to the PIN step.
        XCTAssertEqual(try browser.get("/").location, "/verification/new")

        let pinPage = try browser.get("/verification/new")
        XCTAssertEqual(pinPage.status, 200)
        XCTAssertTrue(pinPage.body.contains(#"inputmode="numeric""#))
        XCTAssertTrue(pinPage.body.contains(#"autocomplete="one-time-code""#))
        XCTAssertTrue(pinPage.body.contains("+44 ••••••• 000"))
        XCTAssertEqual(server.messages().count, 1, "loading the PIN page sends nothing")

        let verified = try browser.post("/verification", [("code", pin)])
        XCTAssertEqual(verified.status, 303)
        XCTAssertEqual(verified.location, "/")

        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.body.contains("Welcome, Alice_1"))
        XCTAssertTrue(home.body.contains("+44 ••••••• 000"))
        XCTAssertFalse(home.body.contains("7700900000"), "the full number never appears on the page")
        XCTAssertTrue(home.body.contains(#"href="/user/edit""#))
        XCTAssertTrue(home.body.contains("Log out"))
        XCTAssertEqual(home.header("cache-control"), "no-store")

        let sessionCookie = try XCTUnwrap(browser.cookies["twofa_session"])
        let loggedOut = try logOut(browser)
        XCTAssertEqual(loggedOut.location, "/session/new")
        XCTAssertNil(browser.cookies["twofa_session"], "logout clears the cookie")

        // The old cookie is worthless: the session row is gone.
        let replay = server.browser()
        replay.setCookie("twofa_session", sessionCookie)
        XCTAssertEqual(try replay.get("/").location, "/session/new")

        // Log in again: password → PIN → page. Username is case-insensitive.
        let login = try logIn(browser, username: "alice_1")
        XCTAssertEqual(login.location, "/verification/new")
        XCTAssertEqual(server.messages().count, 2)
        let secondPIN = try XCTUnwrap(server.lastPIN(to: "+447700900000"))
        XCTAssertEqual(try enterPIN(browser, secondPIN).location, "/")
        XCTAssertEqual(try browser.get("/").status, 200)
    }

    func testSessionCookieAttributesAndRotation() throws {
        let browser = server.browser()
        let created = try signUp(browser)
        let setCookie = try XCTUnwrap(created.headers("set-cookie").first { $0.hasPrefix("twofa_session=") })
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        XCTAssertTrue(setCookie.contains("SameSite=Lax"))
        XCTAssertTrue(setCookie.contains("Path=/"))
        XCTAssertFalse(setCookie.contains("Secure"), "plain HTTP: no Secure flag")
        let token = String(setCookie.dropFirst("twofa_session=".count).prefix { $0 != ";" })
        XCTAssertGreaterThanOrEqual(token.count, 43, "256-bit token")

        let halfToken = try XCTUnwrap(browser.cookies["twofa_session"])
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        try enterPIN(browser, pin)
        let fullToken = try XCTUnwrap(browser.cookies["twofa_session"])
        XCTAssertNotEqual(halfToken, fullToken, "a new token once the PIN is verified")

        let old = server.browser()
        old.setCookie("twofa_session", halfToken)
        XCTAssertEqual(try old.get("/").location, "/session/new", "the pre-PIN token no longer works")
    }

    func testLoginRotatesAnyExistingSession() throws {
        let browser = try verifiedUser()
        let before = try XCTUnwrap(browser.cookies["twofa_session"])
        try logOut(browser)
        // A browser arriving with someone's token gets a brand-new one at login.
        browser.setCookie("twofa_session", before)
        try logIn(browser)
        XCTAssertNotEqual(browser.cookies["twofa_session"], before)
    }

    func testStaticStylesheetIsServedWithValidators() throws {
        let page = try server.browser().get("/session/new")
        let href = try XCTUnwrap(page.body.range(of: #"/assets/application\.css\?v=[0-9a-f]+"#, options: .regularExpression))
        let css = try HTTPClient.request(port: server.port, method: "GET", path: String(page.body[href]))
        XCTAssertEqual(css.status, 200)
        XCTAssertTrue(css.header("content-type")?.hasPrefix("text/css") ?? false)
        let etag = try XCTUnwrap(css.header("etag"))
        let again = try HTTPClient.request(port: server.port, method: "GET", path: "/assets/application.css",
                                           headers: [("If-None-Match", etag)])
        XCTAssertEqual(again.status, 304)
    }

    func testUnknownPathAndWrongMethod() throws {
        let missing = try server.browser().get("/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(missing.body.contains("Page not found"))
        let wrong = try HTTPClient.request(port: server.port, method: "PUT", path: "/session/new")
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.header("allow"), "GET, HEAD")
    }

    func testSecurityHeadersOnEveryPage() throws {
        let page = try server.browser().get("/session/new")
        let csp = try XCTUnwrap(page.header("content-security-policy"))
        XCTAssertTrue(csp.contains("frame-ancestors 'none'"))
        XCTAssertFalse(csp.contains("unsafe-inline"))
        XCTAssertEqual(page.header("x-content-type-options"), "nosniff")
        XCTAssertEqual(page.header("referrer-policy"), "same-origin")
    }
}
