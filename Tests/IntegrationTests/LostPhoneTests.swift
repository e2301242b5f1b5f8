import App
import Database
import Foundation
import Security
import XCTest
import TestSupport

/// Issue 14, "Lost my phone": the "Lost your phone?" link and page from the second step, the
/// recovery-code way back (then a number change), and the operator's
/// `twofa users reset-second-factor`, after which a login must prove a number before anything else.
class LostPhoneTestCase: IntegrationTestCase {
    let old = "+447700900123"
    let new = "+447700900777"

    func user(_ username: String = "alice") throws -> User {
        try XCTUnwrap(try server.app.database.read { try User.find(username: username, in: $0) })
    }

    func audit(_ username: String = "alice") throws -> [AuditEvent] {
        let id = try user(username).id
        return try server.app.database.read { try AuditEvent.recent(userID: id, limit: 100, in: $0) }
    }

    func twofa(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TwofaCommand(server: server).run(arguments)
    }

    static let lostLink = #"<a href="/verification/lost">Lost your phone?</a>"#
}

final class LostPhoneTests: LostPhoneTestCase {
    // MARK: The link and the page

    func testTheLinkIsOnEverySecondStepPage() throws {
        // The texted-code page of a phone-only account.
        let phoneOnly = try verifiedUser(username: "bob", number: "+44 7700 900456")
        _ = try logOut(phoneOnly)
        XCTAssertEqual(try logIn(phoneOnly, username: "bob").location, "/verification/new")
        let texted = try phoneOnly.get("/verification/new")
        XCTAssertTrue(texted.body.contains("Enter your code") && texted.body.contains(Self.lostLink), texted.body)

        // The app's form, the recovery-code form, and the texted page of an account with an app.
        let browser = try verifiedUser()
        _ = try turnOnApp(browser)
        _ = try logOut(browser)
        try logIn(browser)
        let appForm = try browser.get("/verification/new")
        XCTAssertTrue(appForm.body.contains(#"action="/verification/totp""#) && appForm.body.contains(Self.lostLink), appForm.body)
        let recoveryForm = try browser.get("/verification/new?via=recovery")
        XCTAssertTrue(recoveryForm.body.contains(#"action="/verification/recovery""#)
                      && recoveryForm.body.contains(Self.lostLink), recoveryForm.body)
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        let textInstead = try browser.get("/verification/new")
        XCTAssertTrue(textInstead.body.contains(#"action="/verification""#) && textInstead.body.contains(Self.lostLink), textInstead.body)
        XCTAssertEqual(try browser.get("/verification/lost").status, 200)
    }

    func testThePageOnlyServesAHalfLoggedInSession() throws {
        XCTAssertEqual(try server.browser().get("/verification/lost").location, "/session/new", "no session: log in first")
        let browser = try verifiedUser()
        XCTAssertEqual(try browser.get("/verification/lost").location, "/", "fully logged in: nothing to recover")
    }

    func testTheAdviceDependsOnTheAccount() throws {
        // Recovery codes (with the app): enter one, then change the number.
        let withCodes = try verifiedUser()
        _ = try turnOnApp(withCodes)
        _ = try logOut(withCodes)
        try logIn(withCodes)
        let codesPage = try withCodes.get("/verification/lost")
        XCTAssertEqual(codesPage.status, 200)
        XCTAssertTrue(codesPage.body.contains(#"id="lost-recovery""#), codesPage.body)
        XCTAssertTrue(codesPage.body.contains(#"href="/verification/new?via=recovery""#))
        XCTAssertTrue(codesPage.body.contains(#"href="/user/number/edit""#), "how to change the number once in")
        XCTAssertTrue(codesPage.body.contains(#"id="lost-app""#))
        XCTAssertFalse(codesPage.body.contains(#"id="lost-operator""#))
        XCTAssertTrue(codesPage.body.contains("+44 ••••••• 123"))
        XCTAssertFalse(codesPage.body.contains(old), "the number only masked")

        // An app but every recovery code spent: the app.
        let id = try user().id
        try server.app.database.write {
            try $0.execute("UPDATE recovery_codes SET used_at = ? WHERE user_id = ?", [.integer(server.clock.now()), .integer(id)])
        }
        let appPage = try withCodes.get("/verification/lost")
        XCTAssertTrue(appPage.body.contains(#"id="lost-app""#), appPage.body)
        XCTAssertTrue(appPage.body.contains(#"href="/verification/new?via=app""#))
        XCTAssertFalse(appPage.body.contains(#"id="lost-recovery""#))
        XCTAssertFalse(appPage.body.contains(#"id="lost-operator""#))

        // Neither: the operator, and what they will do.
        let phoneOnly = try verifiedUser(username: "bob", number: "+44 7700 900456")
        _ = try logOut(phoneOnly)
        try logIn(phoneOnly, username: "bob")
        let operatorPage = try phoneOnly.get("/verification/lost")
        XCTAssertTrue(operatorPage.body.contains(#"id="lost-operator""#), operatorPage.body)
        XCTAssertTrue(operatorPage.body.contains("reset your account's second factor"))
        XCTAssertTrue(operatorPage.body.contains("confirm it with a code we text to it"))
        XCTAssertFalse(operatorPage.body.contains(#"id="lost-recovery""#))
        XCTAssertFalse(operatorPage.body.contains(#"id="lost-app""#))
        XCTAssertFalse(operatorPage.body.contains("via=recovery"))

        XCTAssertEqual(try server.metric(#"twofa_lost_phone_help_shown_total{advice="recovery_code"}"#), 1)
        XCTAssertEqual(try server.metric(#"twofa_lost_phone_help_shown_total{advice="app"}"#), 1)
        XCTAssertEqual(try server.metric(#"twofa_lost_phone_help_shown_total{advice="operator"}"#), 1)
    }

    /// Without an operator's reset the number step is closed, even to an account whose number
    /// was never proven (an unfinished sign-up, an imported account): the password alone must
    /// never be enough to give an account a number of one's choosing.
    func testTheNumberStepIsClosedWithoutAReset() throws {
        let browser = server.browser()
        XCTAssertEqual(try signUp(browser).location, "/verification/new")
        XCTAssertNil(try user().numberVerifiedAt)
        XCTAssertEqual(try browser.get("/verification/number/new").location, "/verification/new")
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/number", [("number", new)]).location, "/verification/new")
        XCTAssertEqual(try browser.post("/verification/number/code", [("code", "123456")]).location, "/verification/new")
        XCTAssertTrue(messages(to: new).isEmpty)
        XCTAssertEqual(try user().number, old)
    }

    // MARK: The recovery-code way back

    func testRecoveryCodeLoginThenNumberChangeTellsTheOldNumber() throws {
        let browser = try verifiedUser()
        let app = try turnOnApp(browser)
        _ = try logOut(browser)
        try logIn(browser)
        let lost = try browser.get("/verification/lost")
        let link = try XCTUnwrap(firstMatch(#"<a class="button" href="(/verification/new\?via=recovery)""#, in: lost.body), lost.body)
        XCTAssertEqual(try browser.get(link).status, 200)
        XCTAssertEqual(try browser.post("/verification/recovery", [("code", app.recoveryCodes[0])]).location, "/")
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.body.contains("You can change your number now."), home.body)
        XCTAssertTrue(home.body.contains(#"<a href="/user/number/edit" id="flash-link">Change your phone number</a>"#), home.body)

        try browser.get("/user/number/edit")
        let sent = try browser.post("/user/number", [("number", new), ("current_password", password)], method: "patch")
        XCTAssertEqual(sent.location, "/user/number/verification/new")
        let told = messages(to: old).count
        try browser.get("/user/number/verification/new")
        let done = try browser.post("/user/number/verification", [("code", try XCTUnwrap(server.lastPIN(to: new)))])
        XCTAssertEqual(done.location, "/user/edit")
        XCTAssertEqual(try user().number, new)
        XCTAssertEqual(messages(to: old).count, told + 1, "the old number is told")
        XCTAssertEqual(messages(to: old).last?["body"], "Your twofa account's phone number was changed. If this wasn't you, contact support.")
    }

    // MARK: A proven number, always

    func testAVerifiedSessionOfAnAccountWithoutAProvenNumberReachesNoAccountPage() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try browser.get("/").status, 200)
        let id = try user().id
        try server.app.database.write {
            try $0.execute("UPDATE users SET number_verified_at = NULL WHERE id = ?", [.integer(id)])
        }
        for path in ["/", "/user/edit", "/user/number/edit", "/user/two_factor", "/user/sessions"] {
            XCTAssertEqual(try browser.get(path).location, "/verification/new", path)
        }
        // Through the usual second step: a code to the number proves it again.
        server.clock.advance(seconds: Int64(server.app.config.pinResendInterval) + 1)
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: old))).location, "/")
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertNotNil(try user().numberVerifiedAt)
    }
}

/// `twofa users reset-second-factor USER`, run as the built binary against the server's
/// database and outbox (whichever engine), and the login after it.
final class SecondFactorResetTests: LostPhoneTestCase {
    /// alice with an app and a browser that remembered itself; returns her browsers.
    func aliceWithEverything() throws -> (main: Browser, remembered: Browser) {
        let main = try verifiedUser()
        let app = try turnOnApp(main)
        let remembered = server.browser()
        try logIn(remembered)
        try remembered.get("/verification/new")
        let code = app.totp.code(at: server.clock.now())
        XCTAssertEqual(try remembered.post("/verification/totp", [("code", code), ("remember", "1")]).location, "/")
        return (main, remembered)
    }

    func testResetRemovesEverythingEndsSessionsTellsTheOldNumberAndTheNextLoginMustProveANumber() throws {
        let (main, remembered) = try aliceWithEverything()
        let id = try user().id
        let toldBefore = messages(to: old).count

        let reset = try twofa(["users", "reset-second-factor", "alice"])
        XCTAssertEqual(reset.status, 0, reset.err)
        XCTAssertTrue(reset.out.contains("authenticator app:  removed"), reset.out)
        XCTAssertTrue(reset.out.contains("recovery codes:     10 unused removed"), reset.out)
        XCTAssertTrue(reset.out.contains("remembered devices: 1 forgotten"), reset.out)
        XCTAssertTrue(reset.out.contains("sessions:           2 ended"), reset.out)
        XCTAssertFalse(reset.out.contains(old) || reset.err.contains(old), "the number only masked")

        // The old number is told, without a code or a link.
        XCTAssertEqual(messages(to: old).count, toldBefore + 1)
        let notice = try XCTUnwrap(messages(to: old).last?["body"])
        XCTAssertTrue(notice.contains("reset your account's second factor"), notice)
        XCTAssertNil(TestServer.pin(in: notice))
        XCTAssertFalse(notice.contains("http"))

        // Sessions ended (another process's write: the cache lets go within a second).
        eventually("alice's sessions end") { (try? main.get("/").location) == "/session/new" }
        eventually("the remembered browser's session ends") { (try? remembered.get("/").location) == "/session/new" }
        let (hasApp, codes, devices, verifiedAt, resetAt) = try server.app.database.read { db in
            (try TOTPCredential.isEnabled(userID: id, in: db), try RecoveryCode.remaining(userID: id, in: db),
             try RememberedDevice.active(userID: id, now: server.clock.now(), in: db).count,
             try User.find(id: id, in: db)?.numberVerifiedAt,
             try db.queryOne("SELECT second_factor_reset_at FROM users WHERE id = ?", [.integer(id)])?.int64("second_factor_reset_at"))
        }
        XCTAssertFalse(hasApp)
        XCTAssertEqual(codes, 0)
        XCTAssertEqual(devices, 0)
        XCTAssertNil(verifiedAt, "the number is no longer proven")
        XCTAssertNotNil(resetAt)

        let event = try XCTUnwrap(try audit().first { $0.kind == .secondFactorReset })
        XCTAssertEqual(event.detail, "command line")
        XCTAssertTrue(try twofa(["audit", "alice"]).out.contains("second_factor_reset"))

        // The next login (the remembered browser's cookie skips nothing now): the number step,
        // and no code to the old number, whatever the session asks for.
        let toldAfterReset = messages(to: old).count
        XCTAssertEqual(try logIn(remembered).location, "/verification/number/new")
        for path in ["/", "/user/edit", "/verification/new", "/verification/new?via=app", "/verification/lost"] {
            let answer = try remembered.get(path)
            XCTAssertTrue(["/verification/new", "/verification/number/new"].contains(answer.location ?? ""), "\(path): \(answer.status)")
        }
        XCTAssertEqual(try remembered.get("/verification/new").location, "/verification/number/new")
        let form = try remembered.get("/verification/number/new")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.body.contains("second factor of your account was reset"), form.body)
        XCTAssertEqual(try remembered.post("/verification/resend", []).location, "/verification/number/new")
        XCTAssertEqual(try remembered.post("/verification/totp", [("code", "123456")]).location, "/verification/number/new")
        XCTAssertEqual(messages(to: old).count, toldAfterReset, "nothing goes to the old number")

        // A new number, proven by its code.
        try remembered.get("/verification/number/new")
        XCTAssertEqual(try remembered.post("/verification/number", [("number", "+44 7700 900777")]).location, "/verification/number/code")
        let codePage = try remembered.get("/verification/number/code")
        XCTAssertTrue(codePage.body.contains("+44 ••••••• 777"), codePage.body)
        let pin = try XCTUnwrap(server.lastPIN(to: new))
        let wrong = try remembered.post("/verification/number/code", [("code", pin == "000000" ? "111111" : "000000")])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertEqual(try remembered.get("/").location, "/verification/new", "a wrong code logs nobody in")
        try remembered.get("/verification/number/code")
        XCTAssertEqual(try remembered.post("/verification/number/code", [("code", pin)]).location, "/")
        XCTAssertEqual(try remembered.get("/").status, 200)
        let after = try user()
        XCTAssertEqual(after.number, new)
        XCTAssertNotNil(after.numberVerifiedAt)
        XCTAssertTrue(try audit().contains { $0.kind == .numberSetAfterReset && $0.detail == "+44 ••••••• 123 → +44 ••••••• 777" })
        XCTAssertEqual(try server.metric("twofa_numbers_set_after_reset_total"), 1)
        XCTAssertFalse(try audit().contains { $0.detail.contains("7700900") }, "numbers only masked in the audit log")

        // Back to the usual second step: the next login texts the new number.
        XCTAssertEqual(try logOut(remembered).location, "/session/new")
        XCTAssertEqual(try logIn(remembered).location, "/verification/new")
        XCTAssertEqual(try enterPIN(remembered, try XCTUnwrap(server.lastPIN(to: new))).location, "/")
    }

    func testTheSameNumberAgainOnANewSIM() throws {
        _ = try verifiedUser()
        XCTAssertEqual(try twofa(["users", "reset-second-factor", "alice"]).status, 0)
        let browser = server.browser()
        XCTAssertEqual(try logIn(browser).location, "/verification/number/new")
        try browser.get("/verification/number/new")
        XCTAssertEqual(try browser.post("/verification/number", [("number", old)]).location, "/verification/number/code")
        try browser.get("/verification/number/code")
        XCTAssertEqual(try browser.post("/verification/number/code", [("code", try XCTUnwrap(server.lastPIN(to: old)))]).location, "/")
        XCTAssertNotNil(try user().numberVerifiedAt)
        XCTAssertEqual(try user().number, old)
    }

    func testTheOldNumberIsFreeAndANumberAnotherAccountProvedIsAnsweredLikeAnyOther() throws {
        _ = try verifiedUser()
        XCTAssertEqual(try twofa(["users", "reset-second-factor", "alice"]).status, 0)
        // alice's old number no longer belongs to her: bob proves it.
        _ = try verifiedUser(username: "bob", number: old)
        XCTAssertNotNil(try user("bob").numberVerifiedAt)

        let browser = server.browser()
        XCTAssertEqual(try logIn(browser).location, "/verification/number/new")
        try browser.get("/verification/number/new")
        let bobsBefore = messages(to: old).count
        let answer = try browser.post("/verification/number", [("number", old)])
        XCTAssertEqual(answer.location, "/verification/number/code", "answered like any other number")
        let page = try browser.get("/verification/number/code")
        XCTAssertTrue(page.body.contains("We texted a 6-digit code to"), page.body)
        XCTAssertFalse(page.body.contains("another account"))
        XCTAssertEqual(messages(to: old).count, bobsBefore, "bob's phone gets no code for alice")
        XCTAssertEqual(try browser.post("/verification/number/code", [("code", "123456")]).status, 422)
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        XCTAssertNil(try user().numberVerifiedAt)
    }

    func testRefusedForAnUnknownUserOrAnAccountWithoutAPassword() throws {
        let missing = try twofa(["users", "reset-second-factor", "nobody"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("no user named \"nobody\""), missing.err)
        XCTAssertEqual(try twofa(["users", "reset-second-factor"]).status, 2)

        _ = try verifiedUser()
        let id = try user().id
        try server.app.database.write { try User.setHasPassword(false, userID: id, in: $0) }
        let refused = try twofa(["users", "reset-second-factor", "alice"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("has no password"), refused.err)
        XCTAssertNotNil(try user().numberVerifiedAt, "nothing changed")
    }
}

extension SecondFactorResetTests {
    /// A login that finished just as the operator reset the account: its session is verified,
    /// but the account has no proven number, so the number step comes first all the same.
    func testAVerifiedSessionCaughtByAResetGoesToTheNumberStep() throws {
        let browser = try verifiedUser()
        let id = try user().id
        try server.app.database.write {
            try $0.execute("UPDATE users SET number_verified_at = NULL, second_factor_reset_at = ? WHERE id = ?",
                           [.integer(server.clock.now()), .integer(id)])
        }
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        XCTAssertEqual(try browser.get("/verification/new").location, "/verification/number/new")
        XCTAssertEqual(try browser.get("/verification/number/new").status, 200)
        XCTAssertEqual(try browser.post("/verification/number", [("number", new)]).location, "/verification/number/code")
        try browser.get("/verification/number/code")
        XCTAssertEqual(try browser.post("/verification/number/code", [("code", try XCTUnwrap(server.lastPIN(to: new)))]).location, "/")
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertEqual(try browser.get("/verification/number/new").location, "/", "done: the step is closed")
    }
}

/// The number step obeys SMS_COUNTRIES and the send limits, like the number change.
final class SecondFactorResetLimitsTests: LostPhoneTestCase {
    override var environment: [String: String] { ["SMS_COUNTRIES": "GB"] }

    func testCountriesAndSendLimits() throws {
        _ = try verifiedUser()
        XCTAssertEqual(try twofa(["users", "reset-second-factor", "alice"]).status, 0)
        let browser = server.browser()
        XCTAssertEqual(try logIn(browser).location, "/verification/number/new")
        try browser.get("/verification/number/new")
        let abroad = try browser.post("/verification/number", [("number", "+1 202 555 0143")])
        XCTAssertEqual(abroad.status, 422)
        XCTAssertTrue(abroad.body.contains("We can&#39;t text numbers in this country"), abroad.body)
        XCTAssertTrue(messages(to: "+12025550143").isEmpty)
        XCTAssertTrue(try audit().contains { $0.kind == .sendRefused })

        let limit = server.app.config.verifyMaxSendsPerNumber
        for _ in 0..<limit {
            try browser.get("/verification/number/new")
            XCTAssertEqual(try browser.post("/verification/number", [("number", new)]).location, "/verification/number/code")
        }
        try browser.get("/verification/number/new")
        let tooMany = try browser.post("/verification/number", [("number", new)])
        XCTAssertEqual(tooMany.status, 422)
        XCTAssertTrue(tooMany.body.contains("We&#39;ve sent too many codes to this number"), tooMany.body)
        XCTAssertEqual(messages(to: new).count, limit)
        XCTAssertEqual(try browser.get("/").location, "/verification/new", "still not logged in")
    }
}
