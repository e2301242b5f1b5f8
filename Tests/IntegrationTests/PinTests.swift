import XCTest

/// The PIN rules: wrong codes, expiry, single use, resend throttling, one SMS per start.
final class PinTests: IntegrationTestCase {
    let number = "+447700900123"

    func testWrongPasswordSendsNoSMS() throws {
        let browser = try verifiedUser()
        try logOut(browser)
        let before = server.messages().count
        let wrong = try logIn(browser, password: "not the password")
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("don&#39;t match an account"))
        XCTAssertTrue(wrong.body.contains(#"value="alice""#), "username kept")
        XCTAssertFalse(wrong.body.contains("not the password"), "password never echoed")
        XCTAssertEqual(server.messages().count, before, "no SMS for a wrong password")

        let unknown = try logIn(browser, username: "nobody")
        XCTAssertEqual(unknown.status, 422)
        XCTAssertTrue(unknown.body.contains("don&#39;t match an account"), "same answer for an unknown user")
        XCTAssertEqual(server.messages().count, before)
    }

    func testThreeWrongPINsEndTheVerification() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let wrong = pin == "000000" ? "111111" : "000000"

        let first = try enterPIN(browser, wrong)
        XCTAssertEqual(first.status, 422)
        XCTAssertTrue(first.body.contains("2 tries left"))
        XCTAssertTrue(try enterPIN(browser, wrong).body.contains("1 try left"))
        let third = try enterPIN(browser, wrong)
        XCTAssertTrue(third.body.contains("too many wrong codes"), third.body)
        XCTAssertTrue(third.body.contains("Send a new code"))

        // Even the right code is refused now.
        let late = try enterPIN(browser, pin)
        XCTAssertEqual(late.status, 422)
        XCTAssertNotEqual(late.location, "/")
        XCTAssertEqual(try browser.get("/").location, "/verification/new")

        // A new code works (once the resend interval has passed).
        server.clock.advance(seconds: 31)
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        let fresh = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try enterPIN(browser, fresh).location, "/")
    }

    func testExpiredPINIsRefused() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        server.clock.advance(seconds: 301)
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("That code has expired"))
        let late = try browser.post("/verification", [("code", pin)])
        XCTAssertEqual(late.status, 422)
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
    }

    func testPINStillWorksJustBeforeExpiry() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        server.clock.advance(seconds: 299)
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testUsedPINCannotBeReused() throws {
        let browser = server.browser()
        try signUp(browser)
        let used = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try enterPIN(browser, used).location, "/")
        try logOut(browser)

        try logIn(browser)
        let next = try XCTUnwrap(server.lastPIN(to: number))
        if next != used {
            let replay = try enterPIN(browser, used)
            XCTAssertEqual(replay.status, 422)
        }
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        XCTAssertEqual(try enterPIN(browser, next).location, "/")
    }

    func testReloadSendsNothingAndResendIsThrottled() throws {
        let browser = server.browser()
        try signUp(browser)
        XCTAssertEqual(server.messages().count, 1)
        for _ in 0..<3 { try browser.get("/verification/new") }
        XCTAssertEqual(server.messages().count, 1, "reloading sends nothing")

        try browser.post("/verification/resend", [])
        let throttled = try browser.get("/verification/new")
        XCTAssertTrue(throttled.body.contains("Please wait"), throttled.body)
        XCTAssertEqual(server.messages().count, 1, "a second send within 30 s is refused")

        server.clock.advance(seconds: 31)
        let old = try XCTUnwrap(server.lastPIN(to: number))
        try browser.post("/verification/resend", [])
        XCTAssertEqual(server.messages().count, 2)
        let fresh = try XCTUnwrap(server.lastPIN(to: number))
        if fresh != old {
            XCTAssertEqual(try enterPIN(browser, old).status, 422, "the replaced code no longer works")
        }
        XCTAssertEqual(try enterPIN(browser, fresh).location, "/")
    }

    func testMalformedCodeIsExplainedNotCounted() throws {
        let browser = server.browser()
        try signUp(browser)
        let bad = try enterPIN(browser, "12ab")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.body.contains("Enter the 6-digit code"))
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }
}
