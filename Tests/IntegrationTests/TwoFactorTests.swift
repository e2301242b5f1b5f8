import Foundation
import Security
import XCTest
import TestSupport

/// Issue 6 over real HTTP: authenticator-app set-up and login, recovery codes, remembered
/// devices, and turning the app off. Codes come from `TOTP` (Security) at the test clock's
/// time, and in some tests from an independent implementation (Python's hmac).
final class TwoFactorTests: IntegrationTestCase {
    let number = "+447700900123"

    struct Setup {
        let secretBase32: String
        let totp: TOTP
        let recoveryCodes: [String]
    }

    // MARK: Helpers

    func match(_ pattern: String, in text: String, group: Int = 1) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
              let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(m.range(at: group), in: text) else { return nil }
        return String(text[range])
    }

    func secret(onSetupPage body: String) throws -> String {
        try XCTUnwrap(match(#"id="secret-key">([A-Z2-7 ]+)<"#, in: body)).replacingOccurrences(of: " ", with: "")
    }

    /// Sets the app up on a verified browser; the clock then moves a step on so the
    /// confirmation code's step is behind us.
    func setUpApp(_ browser: Browser) throws -> Setup {
        let page = try browser.get("/user/totp/new")
        XCTAssertEqual(page.status, 200, page.body)
        let base32 = try secret(onSetupPage: page.body)
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(base32)))
        let done = try browser.post("/user/totp", [("current_password", password), ("code", totp.code(at: server.clock.now()))])
        XCTAssertEqual(done.status, 200, done.body)
        let codes = allMatches(#"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>"#, in: done.body)
        XCTAssertEqual(codes.count, 10, done.body)
        server.clock.advance(seconds: 30)
        return Setup(secretBase32: base32, totp: totp, recoveryCodes: codes)
    }

    /// Password step only: the answer to POST /session.
    @discardableResult
    func passwordStep(_ browser: Browser) throws -> TestResponse {
        try logIn(browser)
    }

    func codeStep(_ browser: Browser, _ code: String, remember: Bool = false) throws -> TestResponse {
        try browser.get("/verification/new")
        return try browser.post("/verification/totp", [("code", code)] + (remember ? [("remember", "1")] : []))
    }

    func appUser() throws -> (Browser, Setup) {
        let browser = try verifiedUser()
        return (browser, try setUpApp(browser))
    }

    func remaining(_ browser: Browser) throws -> Int? {
        match(#"id="recovery-remaining">([0-9]+)<"#, in: try browser.get("/user/two_factor").body).flatMap { Int($0) }
    }

    /// Codes from Python's standard library (hmac, base64), from the base32 key the page showed.
    func pythonCode(base32: String, at time: Int64) throws -> String {
        try ReferenceTOTP.code(base32: base32, at: time)
    }

    // MARK: Set-up

    func testSetUpNeedsACorrectCodeAndShowsTenRecoveryCodes() throws {
        let browser = try verifiedUser()
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("Set up an authenticator app"))
        let page = try browser.get("/user/totp/new")
        let base32 = try secret(onSetupPage: page.body)
        XCTAssertEqual(base32.count, 32, "20 bytes in base32")
        XCTAssertEqual(try secret(onSetupPage: try browser.get("/user/totp/new").body), base32, "a reload keeps the pending secret")
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(base32)))
        let now = server.clock.now()
        let wrong = totp.code(at: now + 300)   // a real code, but not for now
        let refused = try browser.post("/user/totp", [("current_password", password), ("code", wrong)])
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("That code isn&#39;t right"))
        XCTAssertEqual(try secret(onSetupPage: refused.body), base32)
        XCTAssertFalse(try browser.get("/user/two_factor").body.contains("tag-ok\">On"), "still off")

        let done = try browser.post("/user/totp", [("current_password", password), ("code", totp.code(at: now))])
        XCTAssertEqual(done.status, 200)
        let codes = allMatches(#"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>"#, in: done.body)
        XCTAssertEqual(codes.count, 10)
        XCTAssertEqual(Set(codes).count, 10)
        for code in codes {
            XCTAssertTrue(code.allSatisfy { !"01OIL".contains($0) }, "no look-alike characters in \(code)")
        }
        XCTAssertEqual(try remaining(browser), 10)
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Authenticator app turned on"))
        // The secret is never stored in clear.
        let db = try server.databaseContents()
        let secret = try XCTUnwrap(Base32.decode(base32))
        XCTAssertNil(db.range(of: Data(secret)), "raw secret found in the database")
        XCTAssertNil(db.range(of: Data(Hex.encode(secret).utf8)), "raw secret found in the database (as hex)")
        XCTAssertNil(db.range(of: Data(base32.utf8)))
        XCTAssertNil(db.range(of: Data(codes[0].replacingOccurrences(of: "-", with: "").utf8)), "recovery code in clear")
    }

    func testSetUpQRCodeDecodesBackToTheOTPAuthURI() throws {
        let browser = try verifiedUser()
        let page = try browser.get("/user/totp/new")
        XCTAssertEqual(page.status, 200)
        let svg = try XCTUnwrap(match(#"(<svg .*?</svg>)"#, in: page.body, group: 1), "inline SVG on the page")
        XCTAssertFalse(svg.contains("<script"))
        let csp = try XCTUnwrap(page.header("content-security-policy"))
        XCTAssertFalse(csp.contains("unsafe-inline"), "inline SVG needs no relaxed CSP")
        let base32 = try secret(onSetupPage: page.body)
        let expected = "otpauth://totp/twofa:alice?secret=\(base32)&issuer=twofa&algorithm=SHA1&digits=6&period=30"

        let directory = NSTemporaryDirectory() + "totp-qr-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/setup.svg"
        try svg.write(toFile: file, atomically: true, encoding: .utf8)
        let decoder = Repository.root + "/Tests/QRCodeTests/decode.py"
        let run = try Subprocess.run("/usr/bin/env", ["python3", decoder, file])
        XCTAssertEqual(run.status, 0, "decode.py failed (bin/deps installs zxing-cpp): \(run.err)")
        let line = run.out.split(separator: " ").first.map(String.init) ?? "NONE"
        let decoded = String(decoding: try XCTUnwrap(Hex.decode(line), "decoder found no QR code: \(line)"), as: UTF8.self)
        XCTAssertEqual(decoded, expected)
    }

    // MARK: Login

    func testLoginOffersTheAppFirstWithoutTextingAndAcceptsACurrentCode() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        let sentBefore = server.messages().count
        let afterPassword = try passwordStep(browser)
        XCTAssertEqual(afterPassword.location, "/verification/new")
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("Enter the code from your authenticator app"), page.body)
        XCTAssertTrue(page.body.contains("Text me a code instead"))
        XCTAssertTrue(page.body.contains("Use a recovery code"))
        XCTAssertEqual(server.messages().count, sentBefore, "no text before the user asks for one")
        XCTAssertEqual(try browser.get("/").location, "/verification/new", "requireSecondFactor holds until the code")
        let token = browser.cookies["twofa_session"]

        let ok = try codeStep(browser, setup.totp.code(at: server.clock.now()))
        XCTAssertEqual(ok.location, "/")
        XCTAssertNotEqual(browser.cookies["twofa_session"], token, "a new session token after the second factor")
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Authenticator code accepted"))
    }

    func testIndependentCodeAcceptedNowRefusedOneStepTooLateAndReplayRefused() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        // One step too late: the code of step s when the server is at s + 2 (±1 step is allowed).
        let issued = server.clock.now()
        let late = try pythonCode(base32: setup.secretBase32, at: issued)
        XCTAssertEqual(late, setup.totp.code(at: issued), "both implementations agree")
        server.clock.advance(seconds: 60)
        try passwordStep(browser)
        let refused = try codeStep(browser, late)
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("That code isn&#39;t right. You have 2 tries left."), refused.body)

        // A current code from Python is accepted…
        let current = try pythonCode(base32: setup.secretBase32, at: server.clock.now())
        XCTAssertEqual(try codeStep(browser, current).location, "/")
        _ = try logOut(browser)
        // …once: the same code again (same step) is a replay.
        try passwordStep(browser)
        let replay = try codeStep(browser, current)
        XCTAssertEqual(replay.status, 422, "replayed code refused")
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        // The previous step's code is older than the accepted one: refused too.
        let previous = setup.totp.code(at: server.clock.now() - 30)
        if previous != current { XCTAssertEqual(try codeStep(browser, previous).status, 422) }
    }

    func testTextMeACodeInsteadSendsAnSMS() throws {
        let (browser, _) = try appUser()
        _ = try logOut(browser)
        server.clock.advance(seconds: 60)   // past the resend interval of the sign-up PIN
        try passwordStep(browser)
        try browser.get("/verification/new")
        let before = server.messages().filter { $0["to"] == number }.count
        let asked = try browser.post("/verification/resend", [])
        XCTAssertEqual(asked.location, "/verification/new")
        XCTAssertEqual(server.messages().filter { $0["to"] == number }.count, before + 1, "one text on request")
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We texted"), page.body)
        XCTAssertTrue(page.body.contains("Use your authenticator app instead"))
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }

    func testThreeWrongCodesEndTheSessionAndFiveBanTheAccount() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        try passwordStep(browser)
        XCTAssertEqual(try codeStep(browser, "000000").status, 422)
        XCTAssertEqual(try codeStep(browser, "000001").status, 422)
        let third = try browser.post("/verification/totp", [("code", "000002")])
        XCTAssertEqual(third.location, "/session/new", "three wrong codes: start over")
        XCTAssertEqual(try browser.get("/verification/new").location, "/session/new")
        // Two more after a fresh password reach the account limit (LOGIN_MAX_FAILURES = 5)…
        try passwordStep(browser)
        XCTAssertEqual(try codeStep(browser, "000003").status, 422)
        let fifth = try browser.post("/verification/totp", [("code", "000004")])
        XCTAssertEqual(fifth.status, 422)
        // …so even the right code is refused, and the session ends.
        try browser.get("/verification/new")
        let blocked = try browser.post("/verification/totp", [("code", setup.totp.code(at: server.clock.now()))])
        XCTAssertEqual(blocked.location, "/session/new")
        XCTAssertNotEqual(try passwordStep(browser).location, "/verification/new", "the account is banned for now")
        XCTAssertTrue(try browser.get("/session/new").status == 200)
    }

    /// Parallel guesses from one half-logged-in session: the limit check, the code check and the
    /// failure are one write, so exactly 3 codes are checked and counted however they race.
    func testParallelWrongCodesFromOneSessionStopAtTheSessionLimit() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        try passwordStep(browser)
        try browser.get("/verification/new")
        let token = try XCTUnwrap(browser.csrfToken)
        // Eight requests on eight connections, all sent before any is answered, so the server's
        // workers handle them at the same time.
        let cookie = browser.cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        let connections = try (0..<8).map { _ in try RawClient(port: server.port) }
        for (i, connection) in connections.enumerated() {
            let body = Browser.encode([("code", String(format: "%06d", 100_000 + i)), ("authenticity_token", token)])
            try connection.send("POST /verification/totp HTTP/1.1\r\nHost: localhost\r\nUser-Agent: twofa-tests\r\n"
                                + "Cookie: \(cookie)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        }
        let statuses = try connections.map { connection -> Int in
            try connection.readUntilClosed()
            return try connection.response().status
        }
        XCTAssertEqual(statuses.filter { $0 == 422 }.count, 2, "two wrong codes told how many tries are left: \(statuses)")
        // The third ends the session; the rest are refused (303 to log in, or 403 once the session is gone).
        XCTAssertEqual(statuses.filter { $0 == 303 || $0 == 403 }.count, 6, "\(statuses)")
        XCTAssertEqual(try browser.get("/verification/new").location, "/session/new", "the session is over")
        // Only 3 counted towards the account's 5: a fresh login gets 2 more, and then the right code works.
        XCTAssertEqual(try passwordStep(browser).location, "/verification/new", "not banned")
        let fourth = try codeStep(browser, "000000")
        XCTAssertEqual(fourth.status, 422)
        XCTAssertEqual(try browser.post("/verification/totp", [("code", setup.totp.code(at: server.clock.now()))]).location, "/")
    }

    /// Wrong codes in the re-check form (new recovery codes, turning the app off) count like
    /// wrong codes at login: 3 end this session's tries and they count towards the account's 5.
    func testWrongCodesInTheRecheckFormAreCounted() throws {
        let (browser, setup) = try appUser()
        try browser.get("/user/two_factor")
        for code in ["000000", "000001", "000002"] {
            let wrong = try browser.post("/user/recovery_codes", [("current_password", password), ("code", code)])
            XCTAssertEqual(wrong.status, 422)
            XCTAssertTrue(wrong.body.contains("Enter a current code from your authenticator app"), wrong.body)
        }
        let refused = try browser.post("/user/recovery_codes", [("current_password", password),
                                                                ("code", setup.totp.code(at: server.clock.now()))])
        XCTAssertEqual(refused.status, 422, "no more codes are checked in this session")
        XCTAssertTrue(refused.body.contains("Too many wrong codes"), refused.body)
        XCTAssertEqual(try remaining(browser), 10, "no new set was made")

        _ = try logOut(browser)
        try passwordStep(browser)
        XCTAssertEqual(try codeStep(browser, "000003").status, 422)
        let fifth = try browser.post("/verification/totp", [("code", "000004")])
        XCTAssertEqual(fifth.status, 422)
        XCTAssertEqual(try browser.post("/verification/totp", [("code", setup.totp.code(at: server.clock.now()))]).location,
                       "/session/new", "5 wrong codes in all: the account is banned, the right code is refused")
    }

    /// Turning the app on asks for the current password (regulated like a login).
    func testTurningTheAppOnNeedsTheCurrentPassword() throws {
        let browser = try verifiedUser()
        let page = try browser.get("/user/totp/new")
        XCTAssertTrue(page.body.contains(#"name="current_password""#), page.body)
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(try secret(onSetupPage: page.body))))
        let code = totp.code(at: server.clock.now())
        for fields in [[("code", code)], [("current_password", "not my password"), ("code", code)]] {
            let refused = try browser.post("/user/totp", fields)
            XCTAssertEqual(refused.status, 422)
            XCTAssertTrue(refused.body.contains("That isn&#39;t your current password"), refused.body)
            XCTAssertFalse(refused.body.contains("<code>"), "no recovery codes")
        }
        XCTAssertFalse(try browser.get("/user/two_factor").body.contains("tag-ok\">On"), "still off")
        XCTAssertEqual(try browser.post("/user/totp", [("current_password", password), ("code", code)]).status, 200)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("tag-ok\">On"))
    }

    // MARK: Recovery codes

    func testRecoveryCodeWorksOnceAndIsListedInActivity() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        try passwordStep(browser)
        let page = try browser.get("/verification/new?via=recovery")
        XCTAssertTrue(page.body.contains("Use a recovery code"))
        let code = setup.recoveryCodes[3]
        let used = try browser.post("/verification/recovery", [("code", code.lowercased())])
        XCTAssertEqual(used.location, "/")
        XCTAssertTrue(try browser.get("/").body.contains("You have 9 recovery codes left"))
        XCTAssertEqual(try remaining(browser), 9)
        let activity = try browser.get("/user/activity").body
        XCTAssertTrue(activity.contains("Recovery code used"))
        XCTAssertTrue(activity.contains("9 left"))

        _ = try logOut(browser)
        try passwordStep(browser)
        try browser.get("/verification/new?via=recovery")
        let again = try browser.post("/verification/recovery", [("code", code)])
        XCTAssertEqual(again.status, 422, "a recovery code works once")
        XCTAssertTrue(again.body.contains("has been used"))
        XCTAssertEqual(try browser.post("/verification/recovery", [("code", setup.recoveryCodes[4])]).location, "/")
        XCTAssertEqual(try remaining(browser), 8)
    }

    func testRegeneratingNeedsPasswordAndSecondFactorAndInvalidatesOldCodes() throws {
        let (browser, setup) = try appUser()
        try browser.get("/user/two_factor")
        let wrongPassword = try browser.post("/user/recovery_codes", [("current_password", "not my password"),
                                                                      ("code", setup.totp.code(at: server.clock.now()))])
        XCTAssertEqual(wrongPassword.status, 422)
        XCTAssertTrue(wrongPassword.body.contains("That isn&#39;t your current password"))
        let wrongCode = try browser.post("/user/recovery_codes", [("current_password", password), ("code", "123")])
        XCTAssertEqual(wrongCode.status, 422)
        let made = try browser.post("/user/recovery_codes", [("current_password", password), ("code", setup.recoveryCodes[0])])
        XCTAssertEqual(made.status, 200)
        let fresh = allMatches(#"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>"#, in: made.body)
        XCTAssertEqual(fresh.count, 10)
        XCTAssertTrue(Set(fresh).isDisjoint(with: setup.recoveryCodes))
        XCTAssertEqual(try remaining(browser), 10)
        XCTAssertTrue(try browser.get("/user/activity").body.contains("New recovery codes made"))

        _ = try logOut(browser)
        try passwordStep(browser)
        try browser.get("/verification/new?via=recovery")
        XCTAssertEqual(try browser.post("/verification/recovery", [("code", setup.recoveryCodes[5])]).status, 422, "old set is dead")
        XCTAssertEqual(try browser.post("/verification/recovery", [("code", fresh[0])]).location, "/")
    }

    // MARK: Remembered devices

    func rememberedLogin(_ setup: Setup, _ browser: Browser) throws {
        try passwordStep(browser)
        let ok = try codeStep(browser, setup.totp.code(at: server.clock.now()), remember: true)
        XCTAssertEqual(ok.location, "/")
        let header = try XCTUnwrap(ok.headers("set-cookie").first { $0.hasPrefix("twofa_remember=") })
        XCTAssertTrue(header.contains("HttpOnly"))
        XCTAssertTrue(header.contains("SameSite=Lax"))
        XCTAssertTrue(header.contains("Max-Age=2592000"), header)
        server.clock.advance(seconds: 30)
        _ = try logOut(browser)
    }

    func testRememberedDeviceSkipsTheSecondFactorUntilForgotten() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        try rememberedLogin(setup, browser)
        let sent = server.messages().count
        XCTAssertEqual(try passwordStep(browser).location, "/", "remembered: straight in after the password")
        XCTAssertEqual(server.messages().count, sent)
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Remembered device skipped the code"))
        // The password is still asked: a wrong one gets nowhere.
        _ = try logOut(browser)
        XCTAssertEqual(try logIn(browser, password: "wrong password!").status, 422)

        // Another user on the same browser is not let through by alice's cookie.
        let bob = try verifiedUser(username: "bob", number: "+44 7700 900456")
        _ = try logOut(bob)
        bob.setCookie("twofa_remember", browser.cookies["twofa_remember"])
        XCTAssertEqual(try logIn(bob, username: "bob").location, "/verification/new")
        // A tampered cookie does nothing.
        let tampered = server.browser()
        tampered.setCookie("twofa_remember", (browser.cookies["twofa_remember"] ?? "") + "x")
        XCTAssertEqual(try passwordStep(tampered).location, "/verification/new")

        // Forget it on the account page: asked again.
        try passwordStep(browser)
        let page = try browser.get("/user/two_factor")
        XCTAssertTrue(page.body.contains("This device"))
        let id = try XCTUnwrap(match(#"name="id" value="([0-9]+)""#, in: page.body))
        XCTAssertEqual(try browser.post("/user/remembered_devices", [("id", id)], method: "delete").location, "/user/two_factor")
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("No remembered devices."))
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Remembered device forgotten"))
        _ = try logOut(browser)
        XCTAssertEqual(try passwordStep(browser).location, "/verification/new")
    }

    func testPasswordChangeAndLogOutEverywhereElseForgetRememberedDevices() throws {
        let (browser, setup) = try appUser()
        _ = try logOut(browser)
        try rememberedLogin(setup, browser)
        let cookie = try XCTUnwrap(browser.cookies["twofa_remember"])
        XCTAssertEqual(try passwordStep(browser).location, "/")
        try browser.get("/user/edit")
        let newPassword = "a brand new passphrase"
        XCTAssertEqual(try browser.post("/user", [("current_password", password), ("password", newPassword),
                                                  ("password_confirmation", newPassword)], method: "patch").location, "/")
        _ = try logOut(browser)
        browser.setCookie("twofa_remember", cookie)
        XCTAssertEqual(try logIn(browser, password: newPassword).location, "/verification/new", "password change forgot the device")

        // Log out everywhere else does the same.
        XCTAssertEqual(try codeStep(browser, setup.totp.code(at: server.clock.now()), remember: true).location, "/")
        server.clock.advance(seconds: 30)
        _ = try logOut(browser)
        XCTAssertEqual(try logIn(browser, password: newPassword).location, "/")
        try browser.get("/user/sessions")
        XCTAssertEqual(try browser.post("/user/sessions/others", [], method: "delete").location, "/user/sessions")
        _ = try logOut(browser)
        XCTAssertEqual(try logIn(browser, password: newPassword).location, "/verification/new")
    }

    func testRememberOnTheTextedPINStepToo() throws {
        let browser = try verifiedUser()
        _ = try logOut(browser)
        server.clock.advance(seconds: 60)
        try logIn(browser)
        try browser.get("/verification/new")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try browser.post("/verification", [("code", pin), ("remember", "1")]).location, "/")
        XCTAssertNotNil(browser.cookies["twofa_remember"])
        _ = try logOut(browser)
        let sent = server.messages().count
        XCTAssertEqual(try logIn(browser).location, "/")
        XCTAssertEqual(server.messages().count, sent, "no PIN texted for a remembered device")
    }

    // MARK: Turning it off

    func testTurningTheAppOffNeedsPasswordAndSecondFactor() throws {
        let (browser, setup) = try appUser()
        try browser.get("/user/two_factor")
        let code = setup.totp.code(at: server.clock.now())
        let noPassword = try browser.post("/user/totp", [("current_password", "wrong password!"), ("code", code)], method: "delete")
        XCTAssertEqual(noPassword.status, 422)
        let noCode = try browser.post("/user/totp", [("current_password", password), ("code", "000000")], method: "delete")
        XCTAssertEqual(noCode.status, 422)
        XCTAssertTrue(noCode.body.contains("Enter a current code from your authenticator app"))
        XCTAssertNotNil(try remaining(browser), "still on")

        let off = try browser.post("/user/totp", [("current_password", password), ("code", code)], method: "delete")
        XCTAssertEqual(off.location, "/user/two_factor")
        let page = try browser.get("/user/two_factor").body
        XCTAssertTrue(page.contains("Set up an authenticator app"))
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Authenticator app turned off"))
        _ = try logOut(browser)
        server.clock.advance(seconds: 60)
        let sent = server.messages().count
        XCTAssertEqual(try passwordStep(browser).location, "/verification/new")
        XCTAssertEqual(server.messages().count, sent + 1, "back to the texted PIN")
        XCTAssertFalse(try browser.get("/verification/new").body.contains("Use a recovery code"))
        XCTAssertEqual(try browser.post("/verification/totp", [("code", setup.totp.code(at: server.clock.now()))]).status, 422)
    }
}
