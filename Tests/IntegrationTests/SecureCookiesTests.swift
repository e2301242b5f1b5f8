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

    /// `__Host-` names (issue 13): a sibling subdomain can't plant the session or CSRF cookie.
    func testCookiesUseTheHostPrefix() throws {
        let browser = server.browser()
        let form = try browser.get("/user/new")
        let created = try signUp(browser)
        let cookies = form.headers("set-cookie") + created.headers("set-cookie")
        let names = Set(cookies.compactMap { $0.split(separator: "=").first.map(String.init) })
        XCTAssertTrue(names.isSuperset(of: ["__Host-twofa_csrf", "__Host-twofa_session"]), "\(names)")
        for cookie in cookies {
            XCTAssertTrue(cookie.hasPrefix("__Host-"), cookie)
            XCTAssertTrue(cookie.contains("; Secure") && cookie.contains("; Path=/;"), cookie)
            XCTAssertFalse(cookie.lowercased().contains("domain="), cookie)
        }
        // The prefixed cookies carry the journey on: PIN, flash, the account's pages.
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        let verified = try enterPIN(browser, pin)
        XCTAssertEqual(verified.location, "/")
        XCTAssertTrue(verified.headers("set-cookie").contains { $0.hasPrefix("__Host-twofa_flash=") })
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertEqual(try browser.get("/user/edit").status, 200)
        XCTAssertTrue(browser.cookies.keys.allSatisfy { $0.hasPrefix("__Host-") }, "\(browser.cookies.keys)")
    }

    /// The device cookie is prefixed too, and read back under that name: the owner's browser
    /// still gets past a ban strangers caused (DeviceCookieTests covers the rest without TLS).
    func testTheDeviceCookieIsPrefixedAndStillRecognised() throws {
        let owner = try verifiedUser()
        XCTAssertNotNil(owner.cookies["__Host-" + DeviceCookie.name], "\(owner.cookies.keys)")
        XCTAssertNil(owner.cookies[DeviceCookie.name])
        XCTAssertEqual(try logOut(owner).location, "/session/new")
        for i in 2...6 {
            XCTAssertEqual(try logIn(visitor("127.0.0.\(i)"), password: "stranger guess \(i)").status, 422)
        }
        XCTAssertEqual(try logIn(visitor("127.0.0.7")).status, 422, "banned for strangers")
        XCTAssertEqual(try logIn(owner).location, "/verification/new", "the owner's browser is recognised")
    }

    /// With secure cookies only the `__Host-` name is read: a plain cookie may come from a
    /// sibling subdomain, so a valid token under the plain name logs nobody in.
    func testPlainNamedCookiesAreIgnored() throws {
        let owner = server.browser()
        try signUp(owner)
        XCTAssertEqual(try enterPIN(owner, try XCTUnwrap(server.lastPIN(to: "+447700900123"))).location, "/")
        let token = try XCTUnwrap(owner.cookies["__Host-twofa_session"])

        let planted = server.browser()
        planted.setCookie("twofa_session", token)
        XCTAssertEqual(try planted.get("/").location, "/session/new", "a plain-named session cookie is not read")
        let prefixed = server.browser()
        prefixed.setCookie("__Host-twofa_session", token)
        XCTAssertEqual(try prefixed.get("/").status, 200)

        // A CSRF secret planted under the plain name doesn't make a forged form pass.
        let forger = server.browser()
        try forger.get("/session/new")
        let secret = try XCTUnwrap(forger.cookies["__Host-twofa_csrf"])
        let token2 = try XCTUnwrap(forger.csrfToken)
        let victim = server.browser()
        victim.setCookie("twofa_csrf", secret)
        let forged = try victim.post("/session", [("username", "alice"), ("password", password)], token: token2)
        XCTAssertEqual(forged.status, 403, "a forged form passed the CSRF check")
        // The same secret under its real name passes (so the 403 above is the name's doing).
        let real = server.browser()
        real.setCookie("__Host-twofa_csrf", secret)
        XCTAssertEqual(try real.post("/session", [("username", "alice"), ("password", password)], token: token2).location,
                       "/verification/new")
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

/// The passwordless login's pending-login cookie under secure cookies: `__Host-` too, and
/// read back under that name.
final class SecurePasswordlessCookieTests: IntegrationTestCase {
    override var environment: [String: String] { ["SECURE_COOKIES": "on", "PASSWORDLESS_LOGIN": "on"] }

    func testPendingLoginCookieIsPrefixed() throws {
        XCTAssertEqual(try logOut(try verifiedUser()).location, "/session/new")
        let browser = server.browser()
        try browser.get("/passwordless/new")
        let asked = try browser.post("/passwordless", [("number", "+44 7700 900123")])
        XCTAssertEqual(asked.location, "/passwordless/code")
        let cookie = try XCTUnwrap(asked.headers("set-cookie").first { $0.hasPrefix("__Host-twofa_passwordless=") })
        XCTAssertTrue(cookie.contains("; Secure") && cookie.contains("Path=/"), cookie)
        XCTAssertNil(browser.cookies["twofa_passwordless"])
        XCTAssertEqual(try browser.get("/passwordless/code").status, 200, "the pending login is found by its prefixed name")
        let done = try browser.post("/passwordless/code", [("code", try XCTUnwrap(server.lastPIN(to: "+447700900123")))])
        XCTAssertEqual(done.location, "/")
        XCTAssertNil(browser.cookies["__Host-twofa_passwordless"], "cleared under the same name")
    }
}
