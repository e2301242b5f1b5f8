import XCTest

/// Filters and CSRF: who may see and change what.
final class AccessControlTests: IntegrationTestCase {
    func testAnonymousVisitorsAreSentToLogin() throws {
        let browser = server.browser()
        XCTAssertEqual(try browser.get("/").location, "/session/new")
        XCTAssertEqual(try browser.get("/user/edit").location, "/session/new")
        XCTAssertEqual(try browser.get("/verification/new").location, "/session/new")
    }

    func testHalfLoggedInSessionCannotReachOrChangeTheAccount() throws {
        let browser = server.browser()
        try signUp(browser)
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        XCTAssertEqual(try browser.get("/user/edit").location, "/verification/new")

        try browser.get("/verification/new")   // a page whose forms carry this session's token
        let token = try XCTUnwrap(browser.csrfToken)
        let attempt = try browser.post("/user", [("current_password", password), ("password", "a brand new password"),
                                                 ("password_confirmation", "a brand new password")],
                                       token: token, method: "patch")
        XCTAssertEqual(attempt.location, "/verification/new")
        // The old password still works: nothing changed.
        let other = server.browser()
        XCTAssertEqual(try logIn(other).location, "/verification/new")
    }

    func testPostWithoutCSRFTokenIsForbiddenAndChangesNothing() throws {
        let browser = server.browser()
        try browser.get("/user/new")
        let forged = try browser.postWithoutToken("/user", [("username", "mallory"), ("password", password),
                                                            ("password_confirmation", password), ("number", "+15550001111")])
        XCTAssertEqual(forged.status, 403)
        XCTAssertTrue(server.messages().isEmpty)
        XCTAssertEqual(try logIn(server.browser(), username: "mallory").status, 422, "no account was created")

        let alice = try verifiedUser()
        let logout = try alice.postWithoutToken("/session", [("_method", "delete")])
        XCTAssertEqual(logout.status, 403)
        XCTAssertEqual(try alice.get("/").status, 200, "still logged in")

        let wrongToken = try alice.post("/session", [], token: "bm90IGEgdG9rZW4", method: "delete")
        XCTAssertEqual(wrongToken.status, 403)
        XCTAssertEqual(try alice.get("/").status, 200)
    }

    func testTokenFromAnotherSessionIsRefused() throws {
        let alice = try verifiedUser()
        let bob = try verifiedUser(username: "bob", number: "+1 202-555-0123")
        try bob.get("/")
        let bobsToken = try XCTUnwrap(bob.csrfToken)
        let crossed = try alice.post("/session", [], token: bobsToken, method: "delete")
        XCTAssertEqual(crossed.status, 403)
    }

    func testIdleSessionExpires() throws {
        let browser = try verifiedUser()
        server.clock.advance(seconds: 29 * 60)
        XCTAssertEqual(try browser.get("/").status, 200)
        server.clock.advance(seconds: 31 * 60)
        XCTAssertEqual(try browser.get("/").location, "/session/new")
    }

    func testAbsoluteLifetimeEndsEvenAnActiveSession() throws {
        let browser = try verifiedUser()
        for _ in 0..<25 {   // active every 29 minutes for 12 h+
            server.clock.advance(seconds: 29 * 60)
            if try browser.get("/").status != 200 { break }
        }
        XCTAssertEqual(try browser.get("/").location, "/session/new")
    }
}
