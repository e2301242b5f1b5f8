import Foundation
import XCTest

/// The web app's PIN step on the Verify engine: SMS first, "Send a new code" is the
/// workflow's next event (a call), "Call me instead", throttles and delivery failures.
final class VerifyWebTests: IntegrationTestCase {
    let number = "+447700900123"

    func channels() -> [String] { server.messages().filter { $0["to"] == number }.compactMap { $0["channel"] } }

    func testSendANewCodeCallsAndThePageSaysSo() throws {
        let browser = server.browser()
        try signUp(browser)
        let first = try browser.get("/verification/new")
        XCTAssertTrue(first.body.contains("We texted a 6-digit code"), first.body)
        XCTAssertTrue(first.body.contains("It expires in 5 minutes"))
        XCTAssertTrue(first.body.contains("Call me instead"))

        server.clock.advance(seconds: 31)
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        XCTAssertEqual(channels(), ["sms", "voice"], "the second try is a call (workflow 5: SMS → TTS)")
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We&#39;re calling +44 ••••••• 123"), page.body)
        XCTAssertTrue(page.body.contains("We called"), page.body)
        XCTAssertFalse(page.body.contains("Call me instead"), "already called")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testCallMeInstead() throws {
        let browser = server.browser()
        try signUp(browser)
        try browser.get("/verification/new")
        try browser.post("/verification/call", [])
        XCTAssertEqual(channels(), ["sms"], "the per-session 30 s limit holds for calls too")
        XCTAssertTrue(try browser.get("/verification/new").body.contains("Please wait"))

        server.clock.advance(seconds: 31)
        try browser.post("/verification/call", [])
        XCTAssertEqual(channels(), ["sms", "voice"])
        let call = try XCTUnwrap(server.messages().last?["body"])
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertTrue(call.contains(pin.map(String.init).joined(separator: ", ")), "digits read one by one")
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testSchedulerCallsWhenTheTextGoesUnanswered() throws {
        let browser = server.browser()
        try signUp(browser)
        server.clock.advance(seconds: 301)
        XCTAssertEqual(server.tick(), 1)
        XCTAssertEqual(channels(), ["sms", "voice"])
        XCTAssertTrue(try browser.get("/verification/new").body.contains("We called"))
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }

    func testWrongCodesThenANewCode() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        let wrong = pin == "000000" ? "111111" : "000000"
        for _ in 0..<3 { try enterPIN(browser, wrong) }
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("too many wrong codes"), page.body)
        XCTAssertTrue(page.body.contains("Send a new code"))
        server.clock.advance(seconds: 31)
        try browser.post("/verification/resend", [])
        XCTAssertEqual(channels(), ["sms", "sms"], "a failed request is over: a new one starts with a text")
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }

    func testSendThrottlePerNumberShowsAClearMessage() throws {
        let browser = server.browser()
        try signUp(browser)                                   // 1: SMS
        server.clock.advance(seconds: 31)
        try browser.get("/verification/new")
        try browser.post("/verification/resend", [])          // 2: call
        server.clock.advance(seconds: 31)
        try browser.get("/verification/new")
        try browser.post("/verification/resend", [])          // 3: no event left → a new request, SMS
        XCTAssertEqual(channels(), ["sms", "voice", "sms"])
        server.clock.advance(seconds: 31)
        try browser.get("/verification/new")
        try browser.post("/verification/resend", [])          // 4: over the limit
        XCTAssertEqual(channels().count, 3)
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We&#39;ve sent too many codes to this number"), page.body)
        // Logging in again doesn't get round it either.
        try browser.post("/session", [], method: "delete")
        try logIn(browser)
        XCTAssertEqual(channels().count, 3)
        XCTAssertTrue(try browser.get("/verification/new").body.contains("too many codes"))
    }

    func testSessionLinksToItsVerifyRequest() throws {
        let browser = server.browser()
        try signUp(browser)
        let linked = try server.app.database.read { db in
            try db.queryOne("SELECT count(*) AS n FROM sessions s JOIN verify_requests v ON v.request_id = s.verify_request_id")?.int("n")
        }
        XCTAssertEqual(linked, 1)
    }
}

/// Delivery failure: the page says so and nothing crashes or hangs.
final class VerifyWebDeliveryFailureTests: IntegrationTestCase {
    // An outbox path that is a directory: every write fails, like a provider that is down.
    override var environment: [String: String] { ["SMS_OUTBOX": NSTemporaryDirectory()] }

    func testCouldNotSendYourCode() throws {
        let browser = server.browser()
        let created = try signUp(browser)
        XCTAssertEqual(created.location, "/verification/new")
        let page = try browser.get("/verification/new")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("We couldn’t send your code — try again") || page.body.contains("We couldn&#39;t send your code — try again"), page.body)
        server.clock.advance(seconds: 31)
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        XCTAssertTrue(try browser.get("/verification/new").body.contains("send your code — try again"))
    }
}

/// VERIFY_MAX_SENDS_PER_IP: the web app sends at most that many codes for one client address
/// per window, whatever the numbers (SMS pumping spreads over many numbers from one place).
final class SendLimitPerIPTests: IntegrationTestCase {
    override var environment: [String: String] { ["VERIFY_MAX_SENDS_PER_IP": "3"] }

    func testTheFourthCodeFromOneAddressIsNotSentButAnotherAddressIsServed() throws {
        for i in 1...3 {
            XCTAssertEqual(try signUp(visitor("127.0.0.5"), username: "user\(i)", number: "+44 7700 90050\(i)").location,
                           "/verification/new")
            XCTAssertEqual(server.messages().filter { $0["to"] == "+44770090050\(i)" }.count, 1, "code \(i) sent")
        }
        let fourth = visitor("127.0.0.5")
        XCTAssertEqual(try signUp(fourth, username: "user4", number: "+44 7700 900504").location, "/verification/new")
        XCTAssertEqual(server.messages().filter { $0["to"] == "+447700900504" }.count, 0, "a fourth from the same address")
        XCTAssertTrue(try fourth.get("/verification/new").body.contains("too many codes"))

        XCTAssertEqual(try signUp(visitor("127.0.0.6"), username: "user5", number: "+44 7700 900505").location, "/verification/new")
        XCTAssertEqual(server.messages().filter { $0["to"] == "+447700900505" }.count, 1, "another address is not limited")
        XCTAssertEqual(server.messages().count, 4)
    }
}
