import XCTest

/// Wrong texted PINs at login count towards the account's limit of wrong second-factor codes
/// (LOGIN_MAX_FAILURES = 5 within LOGIN_FAILURE_WINDOW ban it for LOGIN_BAN_DURATION = 900 s),
/// so a right password does not buy 3 fresh guesses each time.
final class PinAccountLimitTests: IntegrationTestCase {
    let number = "+447700900123"

    func wrongPIN() throws -> String {
        try XCTUnwrap(server.lastPIN(to: number)) == "000000" ? "111111" : "000000"
    }

    func testWrongPINsAcrossLoginsBanTheAccountUntilTheBanEnds() throws {
        _ = try logOut(try verifiedUser())

        // First login: 3 wrong PINs kill that code (the engine's own limit) and count 3.
        let first = server.browser()
        XCTAssertEqual(try logIn(first).location, "/verification/new")
        let wrong = try wrongPIN()
        XCTAssertTrue(try enterPIN(first, wrong).body.contains("2 tries left"))
        XCTAssertTrue(try enterPIN(first, wrong).body.contains("1 try left"))
        XCTAssertTrue(try enterPIN(first, wrong).body.contains("too many wrong codes"))

        // Second login, right password again: 2 more wrong PINs reach the account's 5…
        let second = server.browser()
        XCTAssertEqual(try logIn(second).location, "/verification/new")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let wrongAgain = try wrongPIN()
        XCTAssertTrue(try enterPIN(second, wrongAgain).body.contains("2 tries left"))
        XCTAssertTrue(try enterPIN(second, wrongAgain).body.contains("1 try left"), "this code is still live")
        // …so even its right PIN is refused, with the generic message, and the session ends.
        let refused = try enterPIN(second, pin)
        XCTAssertEqual(refused.location, "/session/new", "banned: the right PIN is not accepted")
        XCTAssertTrue(try second.get("/session/new").body.contains("Too many wrong attempts on this account"))
        XCTAssertEqual(try second.get("/").location, "/session/new", "not logged in")

        // A third login is refused while the ban lasts.
        let third = server.browser()
        XCTAssertNotEqual(try logIn(third).location, "/verification/new", "the account is banned for now")

        // After the ban (and the failure window) the right password and PIN work again.
        server.clock.advance(seconds: 901)
        XCTAssertEqual(try logIn(third).location, "/verification/new")
        XCTAssertEqual(try enterPIN(third, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }

    /// A right PIN, a malformed one, or one typed at a dead code is not a guess: it doesn't count.
    func testOnlyComparedWrongPINsCount() throws {
        _ = try logOut(try verifiedUser())
        let browser = server.browser()
        XCTAssertEqual(try logIn(browser).location, "/verification/new")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let wrong = try wrongPIN()
        for _ in 0..<3 { XCTAssertEqual(try enterPIN(browser, wrong).status, 422) }  // counts 3, the code is dead
        XCTAssertEqual(try enterPIN(browser, pin).status, 422, "a dead code: refused, not compared")
        XCTAssertEqual(try enterPIN(browser, "12").status, 422, "malformed: not compared")
        // A fresh login: one more wrong PIN is the 4th, then the right one works.
        let again = server.browser()
        XCTAssertEqual(try logIn(again).location, "/verification/new")
        XCTAssertEqual(try enterPIN(again, try wrongPIN()).status, 422)
        XCTAssertEqual(try enterPIN(again, try XCTUnwrap(server.lastPIN(to: number))).location, "/", "4 of 5: not banned")
    }
}
