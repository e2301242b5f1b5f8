import App
import Database
import Foundation
import XCTest
import TestSupport

/// Issue 13, "Nobody learns which phone numbers have accounts": sign-up answers a number that
/// has an account like any other, and tells that account's owner instead of texting a code.
final class AccountEnumerationTests: IntegrationTestCase {
    let owner = "+447700900555"

    /// The same page for any two numbers: masked numbers, tokens and typed values set aside.
    func normalised(_ body: String) -> String {
        body.replacingOccurrences(of: #"\+44 ••••••• [0-9]{3}"#, with: "NUMBER", options: .regularExpression)
            .replacingOccurrences(of: #"value="[^"]*""#, with: "value=\"…\"", options: .regularExpression)
    }

    func userID(_ username: String) throws -> Int64 {
        try XCTUnwrap(try server.app.database.read { try User.find(username: username, in: $0) }?.id)
    }

    /// "Send a new code" after a sign-up runs into the per-number limit after as many tries for a
    /// number that has an account (its codes withheld) as for a fresh one: the send limits count
    /// a withheld code like a sent one.
    func testTheSendLimitAnswersATakenNumberLikeAFreshOne() throws {
        _ = try verifiedUser(username: "carol", number: "+44 7700 900555")
        func answers(_ number: String, username: String) throws -> [String] {
            let browser = server.browser()
            XCTAssertEqual(try signUp(browser, username: username, number: number).location, "/verification/new")
            var seen: [String] = []
            for _ in 0..<4 {
                server.clock.advance(seconds: 31)   // past PIN_RESEND_INTERVAL
                try browser.get("/verification/new")
                let resent = try browser.post("/verification/resend", [])
                let page = try browser.get(resent.location ?? "/verification/new")
                seen.append(page.body.contains("too many codes") ? "throttled" : "sent")
            }
            return seen
        }
        let fresh = try answers("+44 7700 900777", username: "erin")
        XCTAssertEqual(fresh, ["sent", "sent", "throttled", "throttled"], "VERIFY_MAX_SENDS_PER_NUMBER is 3")
        XCTAssertEqual(try answers(owner, username: "dave"), fresh)
    }

    func testSignUpWithANumberThatHasAnAccountLooksLikeAnyOther() throws {
        _ = try verifiedUser(username: "carol", number: "+44 7700 900555")
        let carolsCode = try XCTUnwrap(server.lastPIN(to: owner))
        let taken = server.browser(), fresh = server.browser()
        let takenAnswer = try signUp(taken, username: "dave", number: "447700900555")
        let freshAnswer = try signUp(fresh, username: "erin", number: "447700900556")
        XCTAssertEqual(takenAnswer.status, 303)
        XCTAssertEqual(takenAnswer.status, freshAnswer.status)
        XCTAssertEqual(takenAnswer.location, "/verification/new")
        XCTAssertEqual(takenAnswer.location, freshAnswer.location)
        let takenPage = try taken.get("/verification/new"), freshPage = try fresh.get("/verification/new")
        XCTAssertEqual(takenPage.status, freshPage.status)
        XCTAssertTrue(takenPage.body.contains("texted a code to +44 ••••••• 555"), takenPage.body)
        XCTAssertEqual(normalised(takenPage.body), normalised(freshPage.body))

        // The owner is told, with no code and no link; the sign-up itself sends nothing.
        let sent = messages(to: owner)
        XCTAssertEqual(sent.count, 2, "carol's own code, then the notice")
        let notice = try XCTUnwrap(sent.last?["body"])
        XCTAssertTrue(notice.contains("Someone tried to create a twofa account with your phone number"), notice)
        XCTAssertNil(TestServer.pin(in: notice), "no code in the notice")
        XCTAssertFalse(notice.contains("http") || notice.contains("/"), "no link in the notice")
        XCTAssertTrue(try server.browser().get("/metrics").body.contains("twofa_signup_notices_total 1"))
        let carol = try userID("carol")
        let audited = try server.app.database.read {
            try $0.queryOne("SELECT count(*) AS n FROM audit_events WHERE user_id = ? AND event = 'sign_up_with_number'",
                            [.integer(carol)])?.int("n")
        }
        XCTAssertEqual(audited, 1, "carol's activity page says so")

        // It can go no further without that phone: no code works, and asking again sends nothing.
        let guessed = try taken.post("/verification", [("code", carolsCode)])
        XCTAssertEqual(guessed.status, 422)
        server.clock.advance(seconds: 31)
        XCTAssertEqual(try taken.post("/verification/resend", []).location, "/verification/new")
        XCTAssertTrue(try taken.get("/verification/new").body.contains("texted a new code to +44 ••••••• 555"))
        server.clock.advance(seconds: 31)
        XCTAssertEqual(try taken.post("/verification/call", []).location, "/verification/new")
        server.clock.advance(seconds: 600)
        server.tick()
        XCTAssertEqual(messages(to: owner).count, 2, "nothing more reached carol's phone")
        XCTAssertNotEqual(try taken.get("/").status, 200, "dave is not logged in")
        XCTAssertNil(try server.app.database.read { try User.find(username: "dave", in: $0) }?.numberVerifiedAt)
        XCTAssertEqual(try server.app.database.read { try User.find(number: owner, in: $0) }?.username, "carol")

        // Nor does it touch the code carol's own login is waiting for.
        let carolAgain = server.browser()
        XCTAssertEqual(try logIn(carolAgain, username: "carol").location, "/verification/new")
        let loginCode = try XCTUnwrap(server.lastPIN(to: owner))
        XCTAssertEqual(try signUp(server.browser(), username: "grace", number: owner).location, "/verification/new")
        XCTAssertEqual(try enterPIN(carolAgain, loginCode).location, "/", "carol's login code still works")

        // A second try within the window tells the owner nothing new (no texting them in a loop).
        XCTAssertEqual(try signUp(server.browser(), username: "frank", number: owner).location, "/verification/new")
        XCTAssertEqual(messages(to: owner).count, 3, "carol's sign-up and login codes, and one notice")
    }

    func testAnInvalidFormNeverSaysWhetherTheNumberHasAnAccount() throws {
        _ = try verifiedUser(username: "carol", number: "+44 7700 900555")
        let taken = try signUp(server.browser(), username: "dave", number: "+44 7700 900555", password: "short", confirmation: "short")
        let fresh = try signUp(server.browser(), username: "dave", number: "+44 7700 900556", password: "short", confirmation: "short")
        XCTAssertEqual(taken.status, 422)
        XCTAssertEqual(fresh.status, 422)
        XCTAssertFalse(taken.body.contains("belongs to an account"), taken.body)
        XCTAssertEqual(normalised(taken.body), normalised(fresh.body))
        XCTAssertEqual(messages(to: owner).count, 1, "only carol's own code")
    }

    func testUsernameAvailabilityIsSaidOnlyOnceTheRestIsValid() throws {
        _ = try verifiedUser(username: "carol", number: "+44 7700 900555")
        let badPassword = try signUp(server.browser(), username: "carol", number: "+44 7700 900556", password: "short", confirmation: "short")
        XCTAssertEqual(badPassword.status, 422)
        XCTAssertTrue(badPassword.body.contains(#"id="password-error""#))
        XCTAssertFalse(badPassword.body.contains("That username is taken"), badPassword.body)
        let badNumber = try signUp(server.browser(), username: "carol", number: "07700 900556")
        XCTAssertEqual(badNumber.status, 422)
        XCTAssertFalse(badNumber.body.contains("That username is taken"), badNumber.body)

        let valid = try signUp(server.browser(), username: "carol", number: "+44 7700 900556")
        XCTAssertEqual(valid.status, 422)
        XCTAssertTrue(valid.body.contains("That username is taken"), valid.body)
    }
}

/// Sign-up attempts per client address (SIGNUP_MAX_PER_IP within SIGNUP_WINDOW).
final class SignUpLimitTests: IntegrationTestCase {
    override var environment: [String: String] { ["SIGNUP_MAX_PER_IP": "3"] }

    func testSignUpsAreLimitedPerAddress() throws {
        XCTAssertEqual(try signUp(server.browser(), username: "x").status, 422, "an invalid form counts too")
        for i in 1...2 {
            XCTAssertEqual(try signUp(server.browser(), username: "user\(i)", number: "+44 7700 90010\(i)").location, "/verification/new")
        }
        let refused = try signUp(server.browser(), username: "user3", number: "+44 7700 900103")
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains("Too many sign-up attempts from your network"), refused.body)
        XCTAssertTrue(server.messages().filter { $0["to"] == "+447700900103" }.isEmpty, "nothing texted")
        XCTAssertNil(try server.app.database.read { try User.find(username: "user3", in: $0) }, "no account made")
        XCTAssertTrue(try server.browser().get("/metrics").body.contains("twofa_signup_throttled_total 1"))

        let elsewhere = server.browser()
        elsewhere.sourceAddress = "127.0.0.2"
        XCTAssertEqual(try signUp(elsewhere, username: "user3", number: "+44 7700 900103").location, "/verification/new",
                       "another address has its own allowance")
        server.clock.advance(seconds: 3601)
        XCTAssertEqual(try signUp(server.browser(), username: "user4", number: "+44 7700 900104").location, "/verification/new",
                       "the window passed")
    }
}

/// A number no PIN proved is nobody's; passwordless requests can't cancel or use up a login's code.
final class PasswordlessEnumerationTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }
    let number = "+447700900123"

    func testANumberNoPINProvedIsNobodys() throws {
        let squatter = server.browser()
        XCTAssertEqual(try signUp(squatter, username: "mallory", number: "+44 7700 900123").location, "/verification/new")
        XCTAssertEqual(messages(to: number).count, 1, "the sign-up's code, never entered")

        XCTAssertEqual(try askForCode(server.browser(), "+44 7700 900123").location, "/passwordless/code")
        XCTAssertEqual(messages(to: number).count, 1, "an unproven number gets no passwordless code")

        // The phone's owner can sign up with the number at once and prove it: it is theirs.
        let owner = try verifiedUser(username: "alice", number: "+44 7700 900123")
        XCTAssertEqual(try owner.get("/").status, 200)
        XCTAssertEqual(try server.app.database.read { try User.find(number: number, in: $0) }?.username, "alice")

        // The unfinished sign-up can't finish, even with a code that went to the phone.
        let firstCode = try XCTUnwrap(TestServer.pin(in: messages(to: number)[0]["body"] ?? ""))
        XCTAssertNotEqual(try squatter.post("/verification", [("code", firstCode)]).location, "/")
        XCTAssertNotEqual(try squatter.get("/").status, 200)
        server.clock.advance(seconds: 31)
        try squatter.get("/verification/new")
        try squatter.post("/verification/resend", [])
        XCTAssertEqual(messages(to: number).count, 2, "no code to alice's phone for mallory")
    }

    func testPasswordlessNeverCancelsOrUsesUpALoginCode() throws {
        let alice = try verifiedUser()
        try logOut(alice)
        XCTAssertEqual(try logIn(alice).location, "/verification/new")
        let loginCode = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(messages(to: number).count, 2, "sign-up's code, then the login's")

        // A stranger asks for passwordless codes to alice's number until the flow's allowance is
        // gone (each ask replacing the stranger's own live code; another visitor's it wouldn't).
        let stranger = server.browser()
        stranger.sourceAddress = "127.0.0.2"
        for _ in 0..<4 { XCTAssertEqual(try askForCode(stranger, number).location, "/passwordless/code") }
        XCTAssertEqual(messages(to: number).count, 5, "three passwordless codes, the fourth throttled")

        XCTAssertEqual(try enterPIN(alice, loginCode).location, "/", "the login's code still works")
        try logOut(alice)
        XCTAssertEqual(try logIn(alice).location, "/verification/new")
        XCTAssertEqual(messages(to: number).count, 6, "the login flow still has its own sends")
        XCTAssertEqual(try enterPIN(alice, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }
}

/// POST /passwordless answers without waiting for the SMS provider, for a known number as for
/// an unknown one: the text goes out off the request's thread.
final class PasswordlessTimingTests: XCTestCase {
    /// alice, whose number a code has proven (put straight in: no code is texted before the test's own).
    private func insertAlice(_ number: String, in server: TestServer) throws {
        let now = server.clock.now()
        try server.app.database.write {
            try $0.execute("""
                INSERT INTO users (username, number, password_digest, number_verified_at, created_at, updated_at)
                VALUES ('alice', ?, 'unused', ?, ?, ?)
                """, [.text(number), .integer(now), .integer(now), .integer(now)])
        }
    }

    /// The answer to a passwordless request posted on another thread, once it has come.
    final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var value: TestResponse?
        var response: TestResponse? { lock.lock(); defer { lock.unlock() }; return value }
        func set(_ response: TestResponse?) { lock.lock(); value = response; lock.unlock() }
    }

    /// Asks for a code to `number` on another thread, so a server that waited for the provider
    /// fails the test rather than hanging it.
    private static func askInBackground(_ browser: Browser, _ number: String) -> Answer {
        let answer = Answer()
        DispatchQueue.global().async { answer.set(try? browser.post("/passwordless", [("number", number)])) }
        return answer
    }

    func testTheAnswerDoesNotWaitForTheProvider() throws {
        // The provider sits on its first request until released.
        let queued = #"{"sid":"SM00000000000000000000000000000001","status":"queued"}"#
        let provider = try FakeProvider([FakeProvider.Reply(status: 201, json: queued, delay: 600)],
                                        fallback: FakeProvider.Reply(status: 201, json: queued))
        defer { provider.stop() }
        let server = try TestServer(environment: [
            "PASSWORDLESS_LOGIN": "on", "SMS_GATEWAY": "twilio", "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
            "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+15005550006", "TWILIO_BASE_URL": provider.baseURL.absoluteString,
        ])
        defer { server.stop() }
        let number = "+447700900123"
        try insertAlice(number, in: server)
        let known = server.browser(), unknown = server.browser()
        try known.get("/passwordless/new")
        try unknown.get("/passwordless/new")

        let answer = Self.askInBackground(known, number)
        eventually("the provider holds the text") { provider.requests.count == 1 }
        eventually("the page answered while the provider holds the text") { answer.response != nil }
        let knownAnswer = try XCTUnwrap(answer.response)
        let status = try server.app.database.read {
            try $0.queryOne("SELECT status FROM verify_events WHERE number = ?", [.text(number)])?.string("status")
        }
        XCTAssertEqual(status, "claimed", "the text was still on its way when the page answered")
        let unknownAnswer = try unknown.post("/passwordless", [("number", "+447700900777")])
        XCTAssertEqual(knownAnswer.status, 303)
        XCTAssertEqual(knownAnswer.status, unknownAnswer.status)
        XCTAssertEqual(knownAnswer.location, "/passwordless/code")
        XCTAssertEqual(knownAnswer.location, unknownAnswer.location)

        // Released, the text goes out, and its code logs alice in.
        provider.release()
        server.awaitDeliveries()
        XCTAssertEqual(provider.requests.count, 1, "one text, to the known number only")
        let pin = try XCTUnwrap(TestServer.pin(in: FakeProvider.form(provider.requests[0])["Body"] ?? ""))
        try known.get("/passwordless/code")
        XCTAssertEqual(try known.post("/passwordless/code", [("code", pin)]).location, "/")
    }

    /// With VERIFY_ENGINE=vonage a start is itself a round trip to Vonage: it too is made after
    /// the page has answered, and tied to the pending login once Vonage replies.
    func testWithVonagesEngineTheAnswerDoesNotWaitForVonage() throws {
        let vonage = try FakeVonageVerify()
        defer { vonage.stop() }
        vonage.script("/verify/json", [FakeProvider.Reply(status: 200, json: #"{"request_id":"held-request-1","status":"0"}"#,
                                                          delay: 600)])
        let server = try TestServer(environment: [
            "PASSWORDLESS_LOGIN": "on", "VERIFY_ENGINE": "vonage", "VONAGE_API_KEY": vonage.apiKey,
            "VONAGE_API_SECRET": vonage.apiSecret, "VONAGE_API_BASE_URL": vonage.baseURL,
        ])
        defer { server.stop() }
        let number = "+447700900123"
        try insertAlice(number, in: server)
        func linkedRequest() throws -> String? {
            try server.app.database.read {
                try $0.queryOne("SELECT verify_request_id FROM passwordless_logins WHERE number = ?", [.text(number)])?
                    .string("verify_request_id")
            }
        }
        let known = server.browser()
        try known.get("/passwordless/new")
        let answer = Self.askInBackground(known, number)
        eventually("Vonage holds the start") { vonage.requests(to: "/verify/json").count == 1 }
        eventually("the page answered while Vonage holds the start") { answer.response != nil }
        let knownAnswer = try XCTUnwrap(answer.response)
        XCTAssertEqual(knownAnswer.status, 303)
        XCTAssertEqual(knownAnswer.location, "/passwordless/code")
        XCTAssertNil(try linkedRequest(), "Vonage has not answered yet")

        vonage.release()
        server.awaitDeliveries()
        XCTAssertEqual(try linkedRequest(), "held-request-1", "the pending login is tied to Vonage's request")
    }
}
