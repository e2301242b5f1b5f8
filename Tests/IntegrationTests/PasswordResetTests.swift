import App
import Database
import Foundation
import Security
import Support
import XCTest
import TestSupport

/// "Forgot your password?" (issue 14 §1) over real HTTP: a code to the account's verified
/// number, the same answer for every account, the stronger factor, the hold for phone-only
/// accounts reset from an unknown browser, the limits, the audit and the log.
final class PasswordResetTests: IntegrationTestCase {
    let number = "+447700900123"
    let newPassword = "a brand new passphrase"

    // MARK: Steps

    @discardableResult
    func enterResetCode(_ browser: Browser, _ code: String) throws -> TestResponse {
        try browser.get("/password_reset/code")
        return try browser.post("/password_reset/code", [("code", code)])
    }

    @discardableResult
    func chooseNewPassword(_ browser: Browser, _ password: String? = nil, secondFactor: String? = nil) throws -> TestResponse {
        try browser.get("/password_reset/edit")
        let pw = password ?? newPassword
        return try browser.post("/password_reset", [("password", pw), ("password_confirmation", pw)]
                                    + (secondFactor.map { [("second_factor_code", $0)] } ?? []), method: "patch")
    }

    /// The whole reset up to the new-password form, from `browser`.
    func resetUpToPassword(_ browser: Browser, login: String = "alice") throws {
        XCTAssertEqual(try askForReset(browser, login).location, "/password_reset/code")
        let code = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try enterResetCode(browser, code).location, "/password_reset/edit")
    }

    /// Whether a password login of alice gets past the password (to the second step).
    func passwordWorks(_ password: String, from browser: Browser? = nil) throws -> Bool {
        let response = try logIn(browser ?? server.browser(), password: password)
        return response.status == 303
    }

    func user() throws -> User { try XCTUnwrap(try server.app.database.read { try User.find(username: "alice", in: $0) }) }

    func events() throws -> [AuditEvent] {
        let id = try user().id
        return try server.app.database.read { try AuditEvent.recent(userID: id, limit: 100, in: $0) }
    }

    /// A response with what differs between any two requests taken out: the date, the request
    /// id, cookie and CSRF token values.
    func comparable(_ response: TestResponse) -> String {
        let headers = response.headers.filter { !["date", "x-request-id"].contains($0.0) }.map { name, value in
            name == "set-cookie" ? value.replacingOccurrences(of: #"=[^;]*"#, with: "=…", options: .regularExpression,
                                                              range: value.range(of: #"^[^=]+=[^;]*"#, options: .regularExpression))
                                 : value
        }.map { "\($0)" }
        let body = response.body.replacingOccurrences(of: #"value="[^"]*""#, with: "value=\"…\"", options: .regularExpression)
        return "\(response.status)\n\(response.headers.map(\.0).filter { !["date", "x-request-id"].contains($0) })\n\(headers)\n\(body)"
    }

    /// `2026-11-21 23:59 UTC`, as pages write times.
    func utcMinute(_ time: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time))) + " UTC"
    }

    // MARK: Tests

    func testLoginPageLinksToIt() throws {
        let page = try server.browser().get("/session/new")
        XCTAssertTrue(page.body.contains(#"<a href="/password_reset/new">Forgot your password?</a>"#), page.body)
        let form = try server.browser().get("/password_reset/new")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.body.contains(#"name="login""#), form.body)
    }

    /// An account, no account, and an account whose number no code has proven: the same answers
    /// (but for token values), and a text only to the account with a verified number.
    func testEveryAccountGetsTheSameAnswersAndOnlyAVerifiedNumberATextAtAll() throws {
        _ = try logOut(try verifiedUser())
        let unproven = server.browser()
        XCTAssertEqual(try signUp(unproven, username: "bob", number: "+44 7700 900555").status, 303)   // never enters its code
        let before = server.messages().count
        var answers: [String: [String]] = [:]
        // Each from its own address: six wrong codes from one would ban it (and change the answer for all).
        for (i, login) in ["alice", "+44 7700 900123", "nobody", "+44 7700 900999", "bob", "+44 7700 900555"].enumerated() {
            let browser = visitor("127.0.0.\(10 + i)")
            let asked = try askForReset(browser, login)
            let page = try browser.get("/password_reset/code")
            let wrong = try browser.post("/password_reset/code", [("code", "000000")])
            answers[login] = [comparable(asked), comparable(page), comparable(wrong)]
            XCTAssertEqual(asked.location, "/password_reset/code")
            XCTAssertEqual(wrong.status, 422)
            XCTAssertTrue(wrong.body.contains("That code isn&#39;t right. You have 2 tries left."), wrong.body)
        }
        for login in ["+44 7700 900123", "nobody", "+44 7700 900999", "bob", "+44 7700 900555"] {
            XCTAssertEqual(answers[login], answers["alice"], "\(login) is answered like alice")
        }
        let sent = server.messages().dropFirst(before)
        // The first ask naming alice; the second, another visitor's, doesn't replace its live code.
        XCTAssertEqual(sent.map { $0["to"] }, [number], "one code to alice; nothing to anyone else")
        XCTAssertTrue(messages(to: "+447700900555").count == 1, "bob's only text is his sign-up code")
    }

    /// From a browser that logged in before: the code resets at once; every session ends,
    /// remembered devices go, the number is told, and the user logs in with the new password.
    func testTheCodeResetsThePasswordAtOnceFromAKnownBrowser() throws {
        let browser = try verifiedUser()
        let other = server.browser()   // another session, with a remembered device
        XCTAssertEqual(try logIn(other).location, "/verification/new")
        try other.get("/verification/new")
        XCTAssertEqual(try other.post("/verification", [("code", try XCTUnwrap(server.lastPIN(to: number))), ("remember", "1")]).location, "/")
        XCTAssertNotNil(other.cookies["twofa_remember"])
        let alice = try user()
        XCTAssertEqual(try server.app.database.read { try RememberedDevice.active(userID: alice.id, now: server.clock.now(), in: $0) }.count, 1)
        _ = try logOut(browser)
        server.clock.advance(seconds: 31)

        try resetUpToPassword(browser)
        let form = try browser.get("/password_reset/edit")
        XCTAssertTrue(form.body.contains("Your new password works at once."), form.body)
        XCTAssertFalse(form.body.contains("second_factor_code"), "a phone-only account is asked for nothing more")
        let done = try chooseNewPassword(browser)
        XCTAssertEqual(done.location, "/session/new")
        XCTAssertNil(browser.cookies["twofa_password_reset"], "the reset is over")
        let login = try browser.get("/session/new")
        XCTAssertTrue(login.body.contains("Your password has been reset and every session of your account logged out."), login.body)
        server.awaitDeliveries()
        XCTAssertTrue(try XCTUnwrap(messages(to: number).last?["body"]).contains("password was just reset"), "\(messages(to: number))")

        XCTAssertEqual(try other.get("/").location, "/session/new", "the other session ended")
        XCTAssertEqual(try server.app.database.read { try RememberedDevice.active(userID: alice.id, now: server.clock.now(), in: $0) }, [],
                       "remembered devices forgotten")
        XCTAssertFalse(try passwordWorks(password), "the old password no longer works")
        // The remembered device no longer skips the code: the new password leads to the second step.
        XCTAssertEqual(try logIn(other, password: newPassword).location, "/verification/new")
        XCTAssertEqual(try logIn(browser, password: newPassword).location, "/verification/new", "a reset is not a login")
        let kinds = try events().compactMap(\.kind)
        for kind in [AuditEvent.Kind.passwordResetRequested, .passwordResetCodeAccepted, .passwordReset] {
            XCTAssertTrue(kinds.contains(kind), "\(kind) audited: \(kinds)")
        }
        let metrics = try server.browser().get("/metrics").body
        XCTAssertTrue(metrics.contains(#"twofa_password_resets_total{outcome="reset"} 1"#), metrics)

        // Single use: the same cookie (and a fresh CSRF token) finds the reset over.
        let replay = server.browser()
        try replay.get("/password_reset/new")
        replay.setCookie("twofa_password_reset", "anything")
        XCTAssertEqual(try replay.post("/password_reset", [("password", "another passphrase here"),
                                                           ("password_confirmation", "another passphrase here")], method: "patch").location,
                       "/password_reset/new")
    }

    /// The new password obeys the policy and needs its confirmation; nothing changes meanwhile.
    func testThePasswordPolicyApplies() throws {
        let browser = try verifiedUser()
        _ = try logOut(browser)
        try resetUpToPassword(browser)
        let common = try chooseNewPassword(browser, "password123")
        XCTAssertEqual(common.status, 422)
        XCTAssertTrue(common.body.contains("one of the most common passwords"), common.body)
        let mismatch = try browser.post("/password_reset", [("password", newPassword), ("password_confirmation", "something else")],
                                        method: "patch")
        XCTAssertEqual(mismatch.status, 422)
        XCTAssertTrue(mismatch.body.contains("The two passwords don&#39;t match"), mismatch.body)
        XCTAssertTrue(try passwordWorks(password), "unchanged")
    }

    /// An account with an app: the texted code alone does not reset it; the app's code or a
    /// recovery code does, and wrong ones count like the login's second step.
    func testAnAccountWithAnAppNeedsItsCodeOrARecoveryCode() throws {
        let browser = try verifiedUser()
        let (totp, codes) = try turnOnApp(browser)
        _ = try logOut(browser)
        server.clock.advance(seconds: 31)

        let stranger = server.browser()   // an unknown browser: with an app there is no hold
        try resetUpToPassword(stranger)
        let form = try stranger.get("/password_reset/edit")
        XCTAssertTrue(form.body.contains(#"id="second_factor_code""#), form.body)
        let alone = try chooseNewPassword(stranger)
        XCTAssertEqual(alone.status, 422)
        XCTAssertTrue(alone.body.contains("Enter the 6-digit code from your authenticator app, or one of your recovery codes."), alone.body)
        let wrong = try chooseNewPassword(stranger, secondFactor: totp.code(at: server.clock.now()) == "000000" ? "111111" : "000000")
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("That code isn&#39;t right. You have 2 tries left."), wrong.body)
        XCTAssertTrue(try passwordWorks(password), "nothing changed")
        XCTAssertTrue(try events().contains { $0.kind == .passwordResetRefused })

        let done = try chooseNewPassword(stranger, secondFactor: totp.code(at: server.clock.now()))
        XCTAssertEqual(done.location, "/session/new", done.body)
        XCTAssertTrue(try passwordWorks(newPassword))

        // A recovery code does too (and is spent).
        server.clock.advance(seconds: 601)   // past the send window
        let again = server.browser()
        try resetUpToPassword(again)
        XCTAssertEqual(try chooseNewPassword(again, "yet another passphrase", secondFactor: codes[0]).location, "/session/new")
        XCTAssertTrue(try passwordWorks("yet another passphrase"))
        let recovery = try events().filter { $0.kind == .recoveryCodeUsed }
        XCTAssertEqual(recovery.map(\.detail), ["password reset"])

        // Three wrong codes end the reset.
        server.clock.advance(seconds: 601)
        let guesser = server.browser()
        try resetUpToPassword(guesser)
        for _ in 1...2 { XCTAssertEqual(try chooseNewPassword(guesser, secondFactor: "ZZZZZ-ZZZZZ").status, 422) }
        XCTAssertEqual(try chooseNewPassword(guesser, secondFactor: "ZZZZZ-ZZZZZ").location, "/password_reset/new")
        XCTAssertTrue(try guesser.get("/password_reset/new").body.contains("That was too many wrong codes."))
        XCTAssertEqual(try guesser.get("/password_reset/edit").location, "/password_reset/new", "the reset is over")
    }

    /// A phone-only account reset from a browser it doesn't know: held, told, and cancelled by
    /// a login with the current password.
    func testAResetFromAnUnknownBrowserIsHeldAndTheCurrentPasswordCancelsIt() throws {
        _ = try logOut(try verifiedUser())
        let stranger = server.browser()
        try resetUpToPassword(stranger)
        let form = try stranger.get("/password_reset/edit")
        XCTAssertTrue(form.body.contains("your new password will work\n      only after 24 hours"), form.body)
        let held = try chooseNewPassword(stranger)
        XCTAssertEqual(held.status, 200)
        let until = utcMinute(server.clock.now() + 86_400)
        XCTAssertTrue(held.body.contains("Your new password will work from <strong>\(until)</strong> (24 hours from now)"), held.body)
        server.awaitDeliveries()
        let told = try XCTUnwrap(messages(to: number).last?["body"])
        XCTAssertTrue(told.contains("from a browser we don't know") && told.contains(until), told)
        XCTAssertFalse(try passwordWorks(newPassword), "not yet")
        XCTAssertTrue(try events().contains { $0.kind == .passwordResetHeld })

        // The owner logs in with the current password (a SIM swapper can't): the reset is cancelled.
        let owner = server.browser()
        XCTAssertEqual(try logIn(owner).location, "/verification/new")
        let step = try owner.get("/verification/new")
        XCTAssertTrue(step.body.contains("has been cancelled, because you logged in with your current password"), step.body)
        XCTAssertTrue(try events().contains { $0.kind == .passwordResetCancelled && $0.detail == "login with the current password" })
        server.clock.advance(seconds: 86_401)
        XCTAssertFalse(try passwordWorks(newPassword), "cancelled: never takes effect")
        XCTAssertTrue(try passwordWorks(password))
        XCTAssertTrue(try server.browser().get("/metrics").body.contains(#"twofa_password_resets_total{outcome="cancelled"} 1"#))
    }

    /// Wrong codes count like wrong passwords (per account and address); a ban refuses even the
    /// right code. The fourth ask to one number within the window sends nothing, silently.
    func testCodeGuessesAreRegulatedAndSendsLimited() throws {
        _ = try logOut(try verifiedUser())
        let browser = server.browser()
        try askForReset(browser, "alice")
        for left in [2, 1] {
            XCTAssertTrue(try enterResetCode(browser, "000000").body.contains("You have \(left == 1 ? "1 try" : "2 tries") left."))
        }
        XCTAssertTrue(try enterResetCode(browser, "000000").body.contains("too many wrong codes"))
        try askForReset(browser, "alice")
        for _ in 1...2 { try enterResetCode(browser, "000000") }
        // Five wrong: the account is banned, so the right code is refused too, and counted on the
        // reset like any wrong guess (as it would be for no account).
        let refused = try enterResetCode(browser, try XCTUnwrap(server.lastPIN(to: number)))
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("That was too many wrong codes"), refused.body)
        XCTAssertTrue(try events().contains { $0.kind == .passwordResetCodeFailed })
        XCTAssertTrue(try events().contains { $0.kind == .loginThrottled && $0.detail == "password reset code" })

        XCTAssertEqual(messages(to: number).count, 3, "sign-up's code and two reset codes")
        // Another visitor's ask doesn't replace the live code (it is this browser's); this one's does.
        try askForReset(visitor("127.0.0.2"), "alice")
        XCTAssertEqual(messages(to: number).count, 3, "a stranger's ask sends nothing while the code is live")
        try askForReset(browser, "alice")
        XCTAssertEqual(messages(to: number).count, 4, "the third reset code in the window")
        XCTAssertEqual(try askForReset(browser, "alice").location, "/password_reset/code")
        XCTAssertEqual(messages(to: number).count, 4, "throttled per number and flow")
        XCTAssertTrue(try browser.get("/password_reset/code").body.contains("we've texted a 6-digit code"), "and the page doesn't say so")
        XCTAssertEqual(try browser.get("/password_reset/edit").location, "/password_reset/new", "no code was proven")
    }

    /// A proven code gives ten minutes to choose the password; the reset's state is in the
    /// database behind the cookie, so no form field can name another account.
    func testAProvenCodeIsShortLivedAndBoundToItsAccount() throws {
        _ = try logOut(try verifiedUser())
        _ = try logOut(try verifiedUser(username: "mallory", number: "+44 7700 900666"))
        let browser = server.browser()
        try resetUpToPassword(browser)
        server.clock.advance(seconds: 601)
        XCTAssertEqual(try browser.get("/password_reset/edit").location, "/password_reset/new")
        XCTAssertTrue(try browser.get("/password_reset/new").body.contains("That password reset has ended."))

        // Mallory proves her own number and names alice in every field she can.
        let mallory = server.browser()
        try askForReset(mallory, "mallory")
        XCTAssertEqual(try enterResetCode(mallory, try XCTUnwrap(server.lastPIN(to: "+447700900666"))).location, "/password_reset/edit")
        try mallory.get("/password_reset/edit")
        XCTAssertEqual(try mallory.post("/password_reset", [("password", newPassword), ("password_confirmation", newPassword),
                                                            ("username", "alice"), ("user_id", "1"), ("login", "alice")],
                                        method: "patch").status, 200, "mallory's own reset (held: a browser new to her account)")
        XCTAssertTrue(try passwordWorks(password), "alice's password is untouched")
    }

    /// No reset code, cookie token, password or full number in the log.
    func testNothingSecretIsLogged() throws {
        let logs = LogCapture()
        logs.start()
        Log.configure(level: .debug)
        defer { Log.configure(level: .info); logs.stop() }
        let browser = try verifiedUser()
        _ = try logOut(browser)
        try resetUpToPassword(browser)
        let code = try XCTUnwrap(server.lastPIN(to: number))
        let token = try XCTUnwrap(browser.cookies["twofa_password_reset"])
        XCTAssertEqual(try chooseNewPassword(browser).location, "/session/new")
        server.awaitDeliveries()
        XCTAssertFalse(logs.lines.isEmpty)
        XCTAssertEqual(logs.lines(containingAnyOf: [code, token, newPassword, password, "447700900123"]), [])
    }
}

/// PASSWORD_RESET_HOLD set (20 minutes here, so sessions outlive it).
final class HeldPasswordResetTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORD_RESET_HOLD": "1200"] }
    let number = "+447700900123"
    let newPassword = "a brand new passphrase"

    /// Left alone, a held reset takes effect when its time comes: the new password works, the
    /// old doesn't, sessions end and the number is told.
    func testAHeldResetTakesEffectWhenItsTimeComes() throws {
        let browser = try verifiedUser()   // this session stays open through the hold
        let stranger = server.browser()
        try resetUpToPassword(stranger)
        XCTAssertEqual(try chooseNewPassword(stranger).status, 200)
        server.clock.advance(seconds: 1_000)
        XCTAssertEqual(try browser.get("/").status, 200, "sessions stay during the hold")
        XCTAssertFalse(try passwordWorks(newPassword), "not before its time")
        server.clock.advance(seconds: 201)
        XCTAssertEqual(try logIn(server.browser(), password: newPassword).location, "/verification/new")
        XCTAssertFalse(try passwordWorks(password))
        XCTAssertEqual(try browser.get("/").location, "/session/new", "every session ended when it took effect")
        server.awaitDeliveries()
        XCTAssertTrue(messages(to: number).contains { $0["body"]?.contains("password was just reset") == true }, "the number is told")
        XCTAssertTrue(try events().contains { $0.kind == .passwordReset && $0.detail == "held reset took effect" })
    }

    func resetUpToPassword(_ browser: Browser) throws {
        try browser.get("/password_reset/new")
        XCTAssertEqual(try browser.post("/password_reset", [("login", "alice")]).location, "/password_reset/code")
        server.awaitDeliveries()
        try browser.get("/password_reset/code")
        XCTAssertEqual(try browser.post("/password_reset/code", [("code", try XCTUnwrap(server.lastPIN(to: number)))]).location,
                       "/password_reset/edit")
    }

    func chooseNewPassword(_ browser: Browser) throws -> TestResponse {
        let page = try browser.get("/password_reset/edit")
        XCTAssertTrue(page.body.contains("only after 20 minutes"), page.body)
        return try browser.post("/password_reset", [("password", newPassword), ("password_confirmation", newPassword)], method: "patch")
    }

    func passwordWorks(_ password: String) throws -> Bool { try logIn(server.browser(), password: password).status == 303 }

    func events() throws -> [AuditEvent] {
        try server.app.database.read { db in
            let user = try XCTUnwrap(try User.find(username: "alice", in: db))
            return try AuditEvent.recent(userID: user.id, limit: 100, in: db)
        }
    }
}
