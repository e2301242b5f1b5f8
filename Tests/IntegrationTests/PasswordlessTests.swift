import App
import Database
import Foundation
import Security
import XCTest
import TestSupport

/// Passwordless login is off unless PASSWORDLESS_LOGIN=on.
final class PasswordlessOffTests: IntegrationTestCase {
    func testNoLinkAndNotFound() throws {
        let browser = server.browser()
        let login = try browser.get("/session/new")
        XCTAssertFalse(login.body.contains("Log in with a code instead"))
        XCTAssertEqual(try browser.get("/passwordless/new").status, 404)
        XCTAssertEqual(try browser.get("/passwordless/code").status, 404)
        try browser.get("/session/new")
        XCTAssertEqual(try browser.post("/passwordless", [("number", "+44 7700 900123")]).status, 404)
        XCTAssertTrue(server.messages().isEmpty)
    }
}

/// "Log in with a code instead" (PASSWORDLESS_LOGIN=on, sign-up off).
final class PasswordlessTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }
    let number = "+447700900123"

    /// alice, registered and then logged out.
    func registeredAlice() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try logOut(browser).location, "/session/new")
    }

    func testKnownNumberLogsIn() throws {
        try registeredAlice()
        let browser = server.browser()
        let login = try browser.get("/session/new")
        XCTAssertTrue(login.body.contains(#"<a href="/passwordless/new">Log in with a code instead</a>"#), login.body)
        XCTAssertEqual(try askForCode(browser, "+44 7700 900123").location, "/passwordless/code")
        let page = try browser.get("/passwordless/code")
        XCTAssertTrue(page.body.contains("If <strong class=\"number\">+44 ••••••• 123</strong> has an account"), page.body)
        XCTAssertEqual(messages(to: number).count, 2, "sign-up's code, then this one")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let pendingLogin = try XCTUnwrap(browser.cookies["twofa_passwordless"], "the pending-login cookie")
        let done = try browser.post("/passwordless/code", [("code", pin)])
        XCTAssertEqual(done.location, "/")
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.body.contains("alice"), "fully logged in as the number's owner")
        XCTAssertNil(browser.cookies["twofa_passwordless"], "the pending login is over")
        XCTAssertEqual(try browser.get("/user/edit").status, 200, "a verified session")
        XCTAssertEqual(try browser.get("/passwordless/new").location, "/", "nothing to do here once logged in")

        let events = try server.app.database.read { db -> [AuditEvent] in
            let user = try XCTUnwrap(try User.find(username: "alice", in: db))
            return try AuditEvent.recent(userID: user.id, limit: 50, in: db)
        }
        XCTAssertTrue(events.contains { $0.kind == .loginSucceeded && $0.detail == "passwordless" })
        XCTAssertTrue(events.contains { $0.kind == .pinSent && $0.detail == "text message to +44 ••••••• 123" })
        // The code is single use: the same form replayed with everything a browser would send
        // (a valid CSRF token and the pending-login cookie) finds the pending login over.
        let replay = server.browser()
        try replay.get("/passwordless/new")   // a page whose form carries a CSRF token valid for this browser
        replay.setCookie("twofa_passwordless", pendingLogin)
        let replayed = try replay.post("/passwordless/code", [("code", pin)])
        XCTAssertNotEqual(replayed.status, 403, "past CSRF: the replay is judged on the code")
        XCTAssertEqual(replayed.location, "/passwordless/new", "the pending login is over")
        XCTAssertTrue(try replay.get("/passwordless/new").body.contains("That code request has ended."))
        XCTAssertEqual(try replay.get("/").location, "/session/new", "not logged in")
    }

    /// The code page of an unknown number is the known number's page, and no SMS goes out.
    func testUnknownNumberSeesTheSamePageAndNothingIsSent() throws {
        try registeredAlice()
        let known = server.browser(), unknown = server.browser()
        XCTAssertEqual(try askForCode(known, "+44 7700 900123").location, "/passwordless/code")
        XCTAssertEqual(try askForCode(unknown, "+44 7700 900777").location, "/passwordless/code")
        XCTAssertTrue(messages(to: "+447700900777").isEmpty, "no SMS to a number without an account")

        func normalised(_ body: String) -> String {
            body.replacingOccurrences(of: "+44 ••••••• 777", with: "NUMBER").replacingOccurrences(of: "+44 ••••••• 123", with: "NUMBER")
                .replacingOccurrences(of: #"value="[^"]+""#, with: "value=\"…\"", options: .regularExpression)
        }
        XCTAssertEqual(normalised(try known.get("/passwordless/code").body), normalised(try unknown.get("/passwordless/code").body))
        let wrongKnown = try known.post("/passwordless/code", [("code", "000000")])
        let wrongUnknown = try unknown.post("/passwordless/code", [("code", "000000")])
        XCTAssertEqual(wrongUnknown.status, 422)
        XCTAssertTrue(wrongUnknown.body.contains("That code isn&#39;t right. You have 2 tries left."), wrongUnknown.body)
        XCTAssertEqual(normalised(wrongKnown.body), normalised(wrongUnknown.body))
        XCTAssertEqual(try server.app.database.read { try User.find(number: "+447700900777", in: $0) }, nil, "no account made")
    }

    func testCodeGuessesAreRegulatedAndSendsThrottled() throws {
        try registeredAlice()   // one text to alice's number so far
        let browser = server.browser()
        try askForCode(browser, number)
        try browser.get("/passwordless/code")
        for _ in 1...3 { try browser.post("/passwordless/code", [("code", "000000")]) }
        let dead = try browser.get("/passwordless/code").body
        XCTAssertTrue(dead.contains("too many wrong codes"), dead)
        try askForCode(browser, number)   // the third text in the window
        try browser.get("/passwordless/code")
        for _ in 1...2 { try browser.post("/passwordless/code", [("code", "000000")]) }
        // Five wrong codes: the account and this IP are banned, so even the right code is refused
        // (and counted on the pending login like any wrong guess, as for an unknown number).
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let refused = try browser.post("/passwordless/code", [("code", pin)])
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("That was too many wrong codes"), refused.body)
        XCTAssertNil(browser.cookies["twofa_session"], "not logged in")
        XCTAssertTrue(try server.browser().get("/metrics").body.contains("twofa_login_throttled_total 1"))

        // The send throttle, per number and flow (sign-up's code was the login flow's): a fourth
        // passwordless code to the number within the window is not sent, and the page doesn't say so.
        XCTAssertEqual(messages(to: number).count, 3)
        // Another visitor's ask doesn't replace this browser's live code; this browser's does.
        let other = server.browser()
        other.sourceAddress = "127.0.0.2"
        try askForCode(other, number)
        XCTAssertEqual(messages(to: number).count, 3, "a stranger's ask sends nothing while the code is live")
        try askForCode(browser, number)
        XCTAssertEqual(messages(to: number).count, 4, "the third passwordless code")
        XCTAssertEqual(try askForCode(browser, number).location, "/passwordless/code")
        XCTAssertEqual(messages(to: number).count, 4, "throttled per number")
        let page = try browser.get("/passwordless/code").body
        XCTAssertTrue(page.contains("has an account with us, we've texted"), page)
    }

    func testBadNumberAndCSRF() throws {
        let browser = server.browser()
        let bad = try askForCode(browser, "07700 900123")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.body.contains("Start with the country code"), bad.body)
        XCTAssertEqual(try browser.postWithoutToken("/passwordless", [("number", number)]).status, 403)
        XCTAssertEqual(try browser.postWithoutToken("/passwordless/code", [("code", "123456")]).status, 403)
        XCTAssertEqual(try browser.get("/passwordless/code").location, "/passwordless/new", "no pending login")
    }
}

/// PASSWORDLESS_SIGNUP=on: a verified new number gets an account.
final class PasswordlessSignupTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on", "PASSWORDLESS_SIGNUP": "on"] }

    func signUpWithoutPassword(_ number: String = "+12025550123") throws -> Browser {
        let browser = server.browser()
        try browser.get("/passwordless/new")
        try browser.post("/passwordless", [("number", number)])
        server.awaitDeliveries()
        try browser.get("/passwordless/code")
        XCTAssertEqual(try browser.post("/passwordless/code", [("code", try XCTUnwrap(server.lastPIN(to: number)))]).location, "/")
        return browser
    }

    /// An account without a password must set one before turning an app on (the app's set-up
    /// asks for the current password, so a hijacked session can't enrol its own app).
    func testAccountWithoutPasswordMustSetOneBeforeTurningTheAppOn() throws {
        let browser = try signUpWithoutPassword()
        let page = try browser.get("/user/two_factor")
        XCTAssertTrue(page.body.contains(#"Set a password first on <a href="/user/edit">Edit account</a>"#), page.body)
        XCTAssertFalse(page.body.contains(#"href="/user/totp/new""#), "no set-up button")
        let setup = try browser.get("/user/totp/new")
        XCTAssertFalse(setup.body.contains(#"id="secret-key""#), "no secret handed out: \(setup.body)")
        XCTAssertTrue(setup.body.contains(#"role="alert">Set a password first"#), setup.body)
        let on = try browser.post("/user/totp", [("current_password", ""), ("code", "123456")])
        XCTAssertEqual(on.status, 422)
        XCTAssertTrue(on.body.contains(#"role="alert">Set a password first"#), on.body)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("Set a password first"), "still off")

        // Once a password is set, turning it on asks for it.
        try browser.get("/user/edit")
        XCTAssertEqual(try browser.post("/user", [("password", "my very first passphrase"),
                                                  ("password_confirmation", "my very first passphrase")], method: "patch").location, "/")
        let (totp, codes) = try turnOnApp(browser, password: "my very first passphrase")
        XCTAssertEqual(codes.count, 10)

        // An account that lost its password flag with the app on (made before this rule) is
        // told to set a password before turning it off or making new codes.
        let user = try XCTUnwrap(try server.app.database.read { try User.find(number: "+12025550123", in: $0) })
        try server.app.database.write { try User.setHasPassword(false, userID: user.id, in: $0) }
        let off = try browser.post("/user/totp", [("current_password", ""), ("code", totp.code(at: server.clock.now()))],
                                   method: "delete")
        XCTAssertEqual(off.status, 422)
        XCTAssertTrue(off.body.contains(#"role="alert">Set a password first"#), off.body)
        let regenerate = try browser.post("/user/recovery_codes", [("current_password", ""), ("code", codes[0])])
        XCTAssertEqual(regenerate.status, 422)
        XCTAssertTrue(regenerate.body.contains("Set a password first on"), regenerate.body)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains(#"id="recovery-remaining">10<"#), "still on, no code spent")
    }

    /// A first password needs a fresh login: the session must have been verified within the
    /// last 10 minutes, so a session cookie stolen later cannot choose the password.
    func testFirstPasswordNeedsALoginFromTheLastTenMinutes() throws {
        let browser = try signUpWithoutPassword()
        server.clock.advance(seconds: 601)
        try browser.get("/user/edit")
        let stale = try browser.post("/user", [("password", "my very first passphrase"),
                                               ("password_confirmation", "my very first passphrase")], method: "patch")
        XCTAssertEqual(stale.status, 422)
        XCTAssertTrue(stale.body.contains("log in again to do this"), stale.body)
        let user = try XCTUnwrap(try server.app.database.read { try User.find(number: "+12025550123", in: $0) })
        XCTAssertFalse(try server.app.database.read { try User.hasPassword(userID: user.id, in: $0) }, "no password was set")

        // A fresh login (a new code to the number) may.
        _ = try logOut(browser)
        server.clock.advance(seconds: 601)   // past the passwordless send throttle
        try browser.get("/passwordless/new")
        try browser.post("/passwordless", [("number", "+12025550123")])
        server.awaitDeliveries()
        try browser.get("/passwordless/code")
        XCTAssertEqual(try browser.post("/passwordless/code", [("code", try XCTUnwrap(server.lastPIN(to: "+12025550123")))]).location, "/")
        try browser.get("/user/edit")
        XCTAssertEqual(try browser.post("/user", [("password", "my very first passphrase"),
                                                  ("password_confirmation", "my very first passphrase")], method: "patch").location, "/")
        XCTAssertTrue(try server.app.database.read { try User.hasPassword(userID: user.id, in: $0) })
    }

    func testUnknownNumberGetsAnAccountAfterItsCode() throws {
        let browser = server.browser()
        try browser.get("/passwordless/new")
        XCTAssertEqual(try browser.post("/passwordless", [("number", "+1 202 555 0123")]).location, "/passwordless/code")
        server.awaitDeliveries()
        XCTAssertEqual(try server.app.database.read { try User.find(number: "+12025550123", in: $0) }, nil,
                       "no account before the code")
        let pin = try XCTUnwrap(server.lastPIN(to: "+12025550123"))
        try browser.get("/passwordless/code")
        XCTAssertEqual(try browser.post("/passwordless/code", [("code", pin)]).location, "/")
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        let user = try XCTUnwrap(try server.app.database.read { try User.find(number: "+12025550123", in: $0) })
        XCTAssertTrue(user.username.hasPrefix("user-"), user.username)
        XCTAssertTrue(home.body.contains(user.username))
        XCTAssertNotNil(user.numberVerifiedAt)
        XCTAssertTrue(user.passwordDigest.hasPrefix("$2b$"), "a real digest of random bytes, so no password matches")
        let events = try server.app.database.read { try AuditEvent.recent(userID: user.id, in: $0) }
        XCTAssertTrue(events.contains { $0.kind == .registered && $0.detail == "passwordless sign-up" })

        // No password logs in to it (an empty one included).
        let other = server.browser()
        for guess in ["", "password", user.username] {
            XCTAssertEqual(try logIn(other, username: user.username, password: guess).status, 422)
        }

        // From the verified session it can choose a first password (there is no current one to give).
        let edit = try browser.get("/user/edit")
        XCTAssertFalse(edit.body.contains(#"name="current_password""#), edit.body)
        XCTAssertTrue(edit.body.contains("Your account has no password yet"))
        let set = try browser.post("/user", [("password", "my very first passphrase"),
                                             ("password_confirmation", "my very first passphrase")], method: "patch")
        XCTAssertEqual(set.location, "/")
        XCTAssertTrue(try browser.get("/user/edit").body.contains(#"name="current_password""#), "now it has one")
        let third = server.browser()
        third.sourceAddress = "127.0.0.3"   // apart from the wrong guesses above
        XCTAssertEqual(try logIn(third, username: user.username, password: "my very first passphrase").location,
                       "/verification/new", "the password logs in now")
    }
}

/// Passwordless login for a user with an authenticator app: the texted code is only the first
/// factor; the app's code (or a recovery code) must follow, and no further text is offered.
final class PasswordlessWithAppTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }
    let number = "+447700900123"

    /// alice with an app, logged out; then the passwordless code step on a browser.
    func passwordlessCode(_ browser: Browser) throws -> TestResponse {
        try browser.get("/passwordless/new")
        XCTAssertEqual(try browser.post("/passwordless", [("number", number)]).location, "/passwordless/code")
        server.awaitDeliveries()
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        try browser.get("/passwordless/code")
        return try browser.post("/passwordless/code", [("code", pin)])
    }

    func appUser() throws -> (Browser, TOTP, [String]) {
        let browser = try verifiedUser()
        let (totp, codes) = try turnOnApp(browser)
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        return (browser, totp, codes)
    }

    func testTextedCodeOnlyHalfLogsInAndTheAppCodeCompletes() throws {
        let (browser, totp, _) = try appUser()
        let afterCode = try passwordlessCode(browser)
        XCTAssertEqual(afterCode.location, "/verification/new", "an app user is not logged in by the texted code alone")
        XCTAssertNil(browser.cookies["twofa_passwordless"], "the pending passwordless login is over")
        XCTAssertEqual(try browser.get("/").location, "/verification/new", "half-logged-in")
        XCTAssertEqual(try browser.get("/user/two_factor").location, "/verification/new")

        let page = try browser.get("/verification/new")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("Enter the code from your authenticator app"), page.body)
        XCTAssertTrue(page.body.contains("Use a recovery code"))
        XCTAssertFalse(page.body.contains("Text me a code instead"), "no SMS fallback after an SMS first factor")
        XCTAssertFalse(page.body.contains("/verification/resend"))
        XCTAssertFalse(page.body.contains("/verification/call"))
        let asSMS = try browser.get("/verification/new?via=sms")
        XCTAssertTrue(asSMS.body.contains("Enter the code from your authenticator app"), "?via=sms does not reach the PIN page")
        XCTAssertFalse(asSMS.body.contains("Send a new code"))

        // Asking for a text anyway is refused, and nothing goes out.
        let sent = messages(to: number).count
        let resend = try browser.post("/verification/resend", [])
        XCTAssertEqual(resend.status, 403)
        XCTAssertTrue(resend.body.contains("You logged in with a code texted to your phone"), resend.body)
        XCTAssertEqual(messages(to: number).count, sent, "no SMS for a resend")
        server.clock.advance(seconds: 601)   // past the send throttle's window, so only the refusal can stop a call
        let call = try browser.post("/verification/call", [])
        XCTAssertEqual(call.status, 403)
        XCTAssertEqual(messages(to: number).count, sent, "no call either")
        // The texted code itself is no answer to this step.
        let replayedPIN = try browser.post("/verification", [("code", try XCTUnwrap(server.lastPIN(to: number)))])
        XCTAssertEqual(replayedPIN.status, 403)
        XCTAssertEqual(try browser.get("/").location, "/verification/new", "still half-logged-in")

        let token = browser.cookies["twofa_session"]
        try browser.get("/verification/new")
        let done = try browser.post("/verification/totp", [("code", totp.code(at: server.clock.now()))])
        XCTAssertEqual(done.location, "/")
        XCTAssertNotEqual(browser.cookies["twofa_session"], token, "a new token after the second factor")
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.body.contains("alice"))
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Authenticator code accepted"))
    }

    func testARecoveryCodeAlsoCompletes() throws {
        let (browser, _, codes) = try appUser()
        XCTAssertEqual(try passwordlessCode(browser).location, "/verification/new")
        let page = try browser.get("/verification/new?via=recovery")
        XCTAssertTrue(page.body.contains("Use a recovery code"), page.body)
        XCTAssertFalse(page.body.contains("Text me a code instead"))
        XCTAssertEqual(try browser.post("/verification/recovery", [("code", codes[2])]).location, "/")
        XCTAssertEqual(try browser.get("/").status, 200)
    }

    /// The documented decision: a remembered device has already passed the second factor, so
    /// texted code + remembered browser logs in, as password + remembered browser does.
    func testRememberedDeviceSkipsTheAppCodeAndForgettingItBringsItBack() throws {
        let (browser, totp, _) = try appUser()
        XCTAssertEqual(try passwordlessCode(browser).location, "/verification/new")
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/totp", [("code", totp.code(at: server.clock.now())), ("remember", "1")]).location, "/")
        XCTAssertNotNil(browser.cookies["twofa_remember"])
        server.clock.advance(seconds: 601)
        _ = try logOut(browser)
        XCTAssertEqual(try passwordlessCode(browser).location, "/", "remembered browser: the app code is skipped")
        XCTAssertEqual(try browser.get("/").status, 200)

        // Another browser (no cookie) still needs the app.
        let other = server.browser()
        other.sourceAddress = "127.0.0.2"
        server.clock.advance(seconds: 601)
        XCTAssertEqual(try passwordlessCode(other).location, "/verification/new")
    }

    /// No app: the texted code logs straight in (as `PasswordlessTests.testKnownNumberLogsIn`);
    /// and the same holds once the app is turned off again.
    func testAfterTurningTheAppOffTheCodeAloneLogsIn() throws {
        let (browser, totp, _) = try appUser()
        try logIn(browser)
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/totp", [("code", totp.code(at: server.clock.now()))]).location, "/")
        server.clock.advance(seconds: 30)
        try browser.get("/user/two_factor")
        XCTAssertEqual(try browser.post("/user/totp", [("current_password", password), ("code", totp.code(at: server.clock.now()))],
                                        method: "delete").location, "/user/two_factor")
        _ = try logOut(browser)
        server.clock.advance(seconds: 601)
        XCTAssertEqual(try passwordlessCode(browser).location, "/")
        XCTAssertEqual(try browser.get("/").status, 200)
    }
}
