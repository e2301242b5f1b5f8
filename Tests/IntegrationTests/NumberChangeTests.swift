import App
import Database
import Foundation
import XCTest
import TestSupport

/// Changing the phone number (/user/number): password, PIN to the new number, notice to the old.
final class NumberChangeTests: IntegrationTestCase {
    let old = "+447700900123"
    let new = "+447700900999"

    func audit(_ username: String = "alice") throws -> [AuditEvent] {
        try server.app.database.read { db in
            let user = try XCTUnwrap(try User.find(username: username, in: db))
            return try AuditEvent.recent(userID: user.id, limit: 100, in: db)
        }
    }

    func number(of username: String = "alice") throws -> String? {
        try server.app.database.read { try User.find(username: username, in: $0)?.number }
    }

    @discardableResult
    func requestChange(_ browser: Browser, number: String, password: String? = nil) throws -> TestResponse {
        try browser.get("/user/number/edit")
        return try browser.post("/user/number", [("number", number), ("current_password", password ?? self.password)],
                                method: "patch")
    }

    func testChangeNumberHappyPath() throws {
        let browser = try verifiedUser()
        XCTAssertTrue(try browser.get("/user/edit").body.contains(#"href="/user/number/edit""#))
        let form = try browser.get("/user/number/edit")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.body.contains("+44 ••••••• 123"), form.body)

        let sent = try requestChange(browser, number: "+44 7700 900999")
        XCTAssertEqual(sent.location, "/user/number/verification/new")
        let page = try browser.get("/user/number/verification/new")
        XCTAssertTrue(page.body.contains("We texted a 6-digit code to <strong class=\"number\">+44 ••••••• 999"), page.body)
        let pin = try XCTUnwrap(server.lastPIN(to: new))
        let done = try browser.post("/user/number/verification", [("code", pin)])
        XCTAssertEqual(done.location, "/user/edit")
        XCTAssertEqual(try number(), new)
        XCTAssertTrue(try browser.get("/user/edit").body.contains("+44 ••••••• 999"))

        let notice = try XCTUnwrap(messages(to: old).last)
        XCTAssertEqual(notice["body"], "Your twofa account's phone number was changed. If this wasn't you, contact support.")
        XCTAssertNil(TestServer.pin(in: notice["body"] ?? ""), "the notice carries no code")

        let changed = try XCTUnwrap(try audit().first { $0.kind == .numberChanged })
        XCTAssertEqual(changed.detail, "+44 ••••••• 123 → +44 ••••••• 999")
        XCTAssertFalse(try audit().contains { $0.detail.contains("7700900") }, "numbers only masked in the audit log")
        XCTAssertTrue(try audit().contains { $0.kind == .pinSent && $0.detail == "text message to +44 ••••••• 999" })
        XCTAssertTrue(try audit().contains { $0.kind == .pinVerified && $0.detail == "text message to +44 ••••••• 999" })

        // The new number is the login number now.
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        let before = messages(to: new).count
        try logIn(browser)
        XCTAssertEqual(messages(to: new).count, before + 1, "the login PIN goes to the new number")
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: new))).location, "/")
    }

    func testWrongCurrentPasswordChangesNothing() throws {
        let browser = try verifiedUser()
        let refused = try requestChange(browser, number: new, password: "not my password")
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("That isn&#39;t your current password"), refused.body)
        XCTAssertTrue(refused.body.contains(#"value="+447700900999""#), "the typed number is kept")
        XCTAssertTrue(messages(to: new).isEmpty, "no code to the new number")
        XCTAssertEqual(try number(), old)
        XCTAssertEqual(try browser.get("/user/number/verification/new").location, "/user/number/edit", "nothing pending")
        XCTAssertTrue(try audit().contains { $0.kind == .loginFailed && $0.detail == "current password" })
    }

    /// Issue 13: the form never says a number has an account. A change to bob's number is
    /// answered like one to a fresh number, but no code goes to it, so it can't complete.
    func testNumberOfAnotherAccountLooksLikeAnyOtherAndCannotComplete() throws {
        _ = try verifiedUser(username: "bob", number: "+44 7700 900456")
        let alice = try verifiedUser()
        let bobsMessages = messages(to: "+447700900456").count
        let answer = try requestChange(alice, number: "+44 (7700) 900-456")
        XCTAssertEqual(answer.location, "/user/number/verification/new", answer.body)
        let page = try alice.get("/user/number/verification/new")
        XCTAssertTrue(page.body.contains("We texted a 6-digit code to <strong class=\"number\">+44 ••••••• 456"), page.body)
        XCTAssertFalse(page.body.contains("already belongs"), page.body)
        XCTAssertEqual(messages(to: "+447700900456").count, bobsMessages, "nothing texted to bob")
        // Bob's own latest code (from his sign-up) doesn't prove alice's change either.
        let bobsPIN = try XCTUnwrap(server.lastPIN(to: "+447700900456"))
        XCTAssertEqual(try alice.post("/user/number/verification", [("code", bobsPIN)]).status, 422)
        XCTAssertEqual(try number(), old)

        let same = try requestChange(alice, number: old)
        XCTAssertTrue(same.body.contains("That is already your number"))
        let bad = try requestChange(alice, number: "07700 900999")
        XCTAssertTrue(bad.body.contains("Start with the country code"))
    }

    func testHalfLoggedInSessionCannotChangeTheNumber() throws {
        let browser = server.browser()
        try signUp(browser)   // password done, PIN not entered
        XCTAssertEqual(try browser.get("/user/number/edit").location, "/verification/new")
        try browser.get("/verification/new")   // a page with this session's CSRF token
        let attempt = try browser.post("/user/number", [("number", new), ("current_password", password)], method: "patch")
        XCTAssertEqual(attempt.location, "/verification/new")
        XCTAssertEqual(try browser.post("/user/number/verification", [("code", "123456")]).location, "/verification/new")
        XCTAssertTrue(messages(to: new).isEmpty)
        XCTAssertEqual(try number(), old)

        let stranger = server.browser()
        XCTAssertEqual(try stranger.get("/user/number/edit").location, "/session/new")
    }

    func testOldNumberStaysUntilThePINIsEntered() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try requestChange(browser, number: new).location, "/user/number/verification/new")
        try browser.get("/user/number/verification/new")
        let wrong = try browser.post("/user/number/verification", [("code", "000000")])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("That code isn&#39;t right. You have 2 tries left."), wrong.body)
        XCTAssertEqual(try number(), old)
        XCTAssertTrue(try audit().contains { $0.kind == .pinFailed && $0.detail == "text message to +44 ••••••• 999" })

        // Abandoned half-way: the old number still logs in, on another device and on this one.
        let laptop = server.browser()
        try logIn(laptop)
        XCTAssertEqual(try enterPIN(laptop, try XCTUnwrap(server.lastPIN(to: old))).location, "/")
        XCTAssertEqual(try number(), old)
        XCTAssertFalse(messages(to: old).contains { ($0["body"] ?? "").contains("was changed") }, "no notice yet")
        XCTAssertFalse(try audit().contains { $0.kind == .numberChanged })
    }

    func testCurrentPasswordChecksAreRegulated() throws {
        let browser = try verifiedUser()
        for i in 1...5 {
            let r = try requestChange(browser, number: new, password: "wrong guess \(i)")
            XCTAssertTrue(r.body.contains("That isn&#39;t your current password"), "attempt \(i)")
        }
        let refused = try requestChange(browser, number: new)
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("Too many wrong passwords"), refused.body)
        XCTAssertTrue(messages(to: new).isEmpty, "the right password was not even tried")
        // The password-change form shares the ban.
        try browser.get("/user/edit")
        let change = try browser.post("/user", [("current_password", password), ("password", "a brand new passphrase"),
                                                ("password_confirmation", "a brand new passphrase")], method: "patch")
        XCTAssertEqual(change.status, 422)
        XCTAssertTrue(change.body.contains("Too many wrong passwords"), change.body)
        XCTAssertTrue(try audit().contains { $0.kind == .loginThrottled })
    }
}
