import App
import Database
import Foundation
import Support
import XCTest
import TestSupport

/// VERIFY_ENGINE=vonage over real HTTP both ways: the app on its socket, and Vonage's hosted
/// Verify API played by FakeVonageVerify on another. Each test checks the exact requests the
/// engine sends (path, form fields with our Vonage key and secret, the number without '+').
final class VonageVerifyTests: VonageTestCase {
    let number = "+447700900123"

    func testSignUpPINFromVonageThenTheProtectedPage() throws {
        let logged = LogCapture()
        logged.start()
        defer { logged.stop() }
        let browser = server.browser()
        XCTAssertEqual(try signUp(browser).location, "/verification/new")
        XCTAssertEqual(vonage.forms("/verify/json"), [[
            "api_key": "vonage-key-1", "api_secret": "vonage-secret-1", "number": "447700900123", "brand": "twofa",
            "code_length": "6", "pin_expiry": "300", "next_event_wait": "300", "workflow_id": "5",
        ]])
        XCTAssertEqual(vonage.requests.first?.method, "POST")
        XCTAssertEqual(vonage.requests.first?.headers["Content-Type"], "application/x-www-form-urlencoded")
        XCTAssertTrue(server.messages().isEmpty, "Vonage sends the code, not our gateway")
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We texted a 6-digit code"), page.body)
        XCTAssertTrue(page.body.contains("It expires in 5 minutes"), page.body)
        XCTAssertEqual(try browser.get("/").location, "/verification/new", "not yet verified")

        let pin = try XCTUnwrap(vonage.lastPIN)
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
        let checks = vonage.forms("/verify/check/json")
        XCTAssertEqual(checks.count, 1)
        XCTAssertEqual(checks.first?["code"], pin)
        XCTAssertEqual(checks.first?["api_key"], "vonage-key-1")
        XCTAssertEqual(checks.first?["api_secret"], "vonage-secret-1")
        let linked = try server.app.database.read { try $0.queryOne("SELECT verify_request_id FROM sessions")?.string("verify_request_id") }
        XCTAssertEqual(checks.first?["request_id"], linked, "the session is linked to Vonage's request id")
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.body.contains("Welcome, alice"), home.body)

        // The PIN never touches our database or our logs; nor does the Vonage secret.
        let rows = try server.app.database.read { try $0.query("SELECT pin_digest, next_event_at, status FROM verify_requests") }
        XCTAssertEqual(rows.map { $0.string("status") }, ["SUCCESS"])
        XCTAssertTrue(rows.allSatisfy { $0.blob("pin_digest") == nil && $0.int64("next_event_at") == nil })
        let codes = try server.app.database.read { try $0.query("SELECT code FROM verify_checks") }
        XCTAssertEqual(codes.count, 1)
        XCTAssertNil(codes.first?.string("code"))
        XCTAssertFalse(logged.lines.isEmpty, "the capture works")
        XCTAssertEqual(logged.lines.filter { $0.contains(pin) || $0.contains("vonage-secret-1") || $0.contains("7700900123") }, [])
    }

    func testAWrongCodeAsVonageAnswers16ThenTheRightOne() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(vonage.lastPIN)
        let wrong = pin == "000000" ? "111111" : "000000"
        let answer = try enterPIN(browser, wrong)
        XCTAssertEqual(answer.status, 422)
        XCTAssertTrue(answer.body.contains("That code isn&#39;t right. You have 2 tries left."), answer.body)
        XCTAssertEqual(vonage.forms("/verify/check/json").map { $0["code"] }, [wrong])
        XCTAssertEqual(try browser.get("/").location, "/verification/new")
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testThreeWrongCodesEndTheRequestThenANewOneStartsAtVonage() throws {
        let browser = server.browser()
        try signUp(browser)
        let pin = try XCTUnwrap(vonage.lastPIN)
        let wrong = pin == "000000" ? "111111" : "000000"
        for _ in 0..<3 { try enterPIN(browser, wrong) }
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("too many wrong codes"), page.body)
        XCTAssertEqual(try enterPIN(browser, pin).status, 422, "the old code is dead")
        XCTAssertEqual(vonage.requests(to: "/verify/check/json").count, 3, "a dead request is not sent to Vonage again")
        server.clock.advance(seconds: 31)
        try browser.post("/verification/resend", [])
        XCTAssertEqual(vonage.requests(to: "/verify/json").count, 2)
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(vonage.lastPIN)).location, "/")
    }

    func testVonageDownSaysCouldntSendWithoutCrashingThenRecovers() throws {
        vonage.script("/verify/json", Array(repeating: .init(status: 503, json: #"{"title":"Service Unavailable"}"#), count: 3))
        let browser = server.browser()
        XCTAssertEqual(try signUp(browser).location, "/verification/new")
        XCTAssertEqual(vonage.requests(to: "/verify/json").count, 3, "retried with backoff, then given up")
        let page = try browser.get("/verification/new")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("We couldn&#39;t send your code — try again"), page.body)
        XCTAssertEqual(try browser.get("/").location, "/verification/new")

        try browser.post("/verification/resend", [])
        XCTAssertEqual(vonage.requests(to: "/verify/json").count, 4, "Vonage is back: a new request")
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(vonage.lastPIN)).location, "/")
    }

    /// A check is not idempotent (a repeat could count as a second wrong code, or succeed
    /// twice), so a 5xx answer to one is not retried: the user is asked to try again.
    func testACheckIsNotRepeatedAfterA5xx() throws {
        let browser = server.browser()
        XCTAssertEqual(try signUp(browser).location, "/verification/new")
        let pin = try XCTUnwrap(vonage.lastPIN)
        vonage.script("/verify/check/json", [.init(status: 503, json: #"{"title":"Service Unavailable"}"#)])
        let failed = try enterPIN(browser, pin)
        XCTAssertNotEqual(failed.location, "/", "not verified on a failed check")
        XCTAssertEqual(vonage.requests(to: "/verify/check/json").count, 1, "one check, not repeated after the 5xx")
        XCTAssertEqual(try browser.get("/").location, "/verification/new")

        XCTAssertEqual(try enterPIN(browser, pin).location, "/", "the user's own retry goes through")
        XCTAssertEqual(vonage.requests(to: "/verify/check/json").count, 2)
    }

    func testVonageErrorStatusesShowTheAppsMessages() throws {
        vonage.script("/verify/json", [.init(status: 200, json: #"{"status":"15","error_text":"The destination number is not in a supported network"}"#)])
        let browser = server.browser()
        try signUp(browser)
        XCTAssertTrue(try browser.get("/verification/new").body.contains("We couldn&#39;t send your code — try again"))

        vonage.script("/verify/json", [.init(status: 200, json: #"{"status":"1","error_text":"Throttled"}"#)])
        try browser.post("/verification/resend", [])
        let throttled = try browser.get("/verification/new")
        XCTAssertTrue(throttled.body.contains("We&#39;ve sent too many codes to this number"), throttled.body)
        XCTAssertEqual(vonage.requests(to: "/verify/json").count, 2)
    }

    func testVonageRunsTheWorkflowTheSchedulerDoesNothing() throws {
        let browser = server.browser()
        try signUp(browser)
        server.clock.advance(seconds: 301)
        XCTAssertEqual(server.tick(), 0)
        XCTAssertEqual(vonage.requests.count, 1, "only the start: Vonage calls by itself")
        XCTAssertTrue(server.messages().isEmpty)
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We called"), "the call Vonage's workflow made is on the page: \(page.body)")
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(vonage.lastPIN)).location, "/")
    }

    func testSendANewCodeIsTriggerNextEvent() throws {
        let browser = server.browser()
        try signUp(browser)
        server.clock.advance(seconds: 31)
        try browser.get("/verification/new")
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        let controls = vonage.forms("/verify/control/json")
        XCTAssertEqual(controls.count, 1)
        XCTAssertEqual(controls.first?["cmd"], "trigger_next_event")
        XCTAssertEqual(controls.first?["request_id"], vonage.lastRequestID)
        XCTAssertEqual(controls.first?["api_secret"], "vonage-secret-1")
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains("We&#39;re calling +44 ••••••• 123"), page.body)
        XCTAssertTrue(page.body.contains("We called"), page.body)
    }

    func testANewLoginSupersedesTheLiveRequestOrJoinsItWhenVonageRefusesTheCancel() throws {
        let first = server.browser()
        try signUp(first)
        let firstID = try XCTUnwrap(vonage.lastRequestID)

        let second = server.browser()
        XCTAssertEqual(try logIn(second).location, "/verification/new")
        XCTAssertEqual(vonage.forms("/verify/control/json").map { [$0["cmd"], $0["request_id"]] }, [["cancel", firstID]],
                       "Vonage said 10 (the first login's request is live): cancelled, then started again")
        XCTAssertEqual(vonage.requests(to: "/verify/json").count, 3)
        let secondID = try XCTUnwrap(vonage.lastRequestID)
        XCTAssertNotEqual(secondID, firstID)

        // Vonage refuses a cancel in a request's first 30 s: the third login joins the live request.
        vonage.script("/verify/control/json", [.init(status: 200, json:
            #"{"status":"19","error_text":"Verification request ['\#(secondID)'] can't be cancelled within the first 30 seconds."}"#)])
        let third = server.browser()
        XCTAssertEqual(try logIn(third).location, "/verification/new")
        XCTAssertEqual(vonage.lastRequestID, secondID, "no new request at Vonage")
        XCTAssertTrue(try third.get("/verification/new").body.contains("We texted a 6-digit code"))
        XCTAssertEqual(try enterPIN(third, try XCTUnwrap(vonage.lastPIN)).location, "/")
    }

    func testJSONAPIDelegatesAndKeepsOurClientsApart() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.request("447700900555")
        XCTAssertEqual(started["status"] as? String, "0", "\(started)")
        let id = try XCTUnwrap(started["request_id"] as? String)
        XCTAssertEqual(id, vonage.lastRequestID, "Vonage's id is the API's id")
        XCTAssertEqual(vonage.forms("/verify/json").last?["number"], "447700900555")
        XCTAssertEqual(vonage.forms("/verify/json").last?["brand"], "AcmeApp")
        let pin = try XCTUnwrap(vonage.lastPIN)

        // Every client shares our one Vonage account: another one can't touch this request.
        let other = try VerifyAPIClient.create(on: server, name: "other app")
        XCTAssertEqual(try other.check(id, pin)["status"] as? String, "6")
        XCTAssertEqual(try other.search(id)["status"] as? String, "101")
        XCTAssertEqual(try other.control(id, "cancel")["status"] as? String, "6")
        XCTAssertTrue(vonage.requests(to: "/verify/check/json").isEmpty && vonage.requests(to: "/verify/control/json").isEmpty)
        let concurrent = try other.request("447700900555")
        XCTAssertEqual(concurrent["status"] as? String, "10", "Vonage said 10: \(concurrent)")
        XCTAssertEqual(concurrent["request_id"] as? String, "", "the live request is not this client's: its id stays hidden")

        let wrong = try api.check(id, pin == "0000" ? "1111" : "0000")
        XCTAssertEqual(wrong["status"] as? String, "16")
        XCTAssertEqual(wrong["error_text"] as? String, "The code provided does not match the expected value")
        let ok = try api.check(id, pin)
        XCTAssertEqual(ok["status"] as? String, "0", "\(ok)")
        XCTAssertEqual(ok["event_id"] as? String, "0A00000012345678")
        let found = try api.search(id)
        XCTAssertEqual(found["status"] as? String, "SUCCESS", "\(found)")
        let checks = try XCTUnwrap(found["checks"] as? [[String: Any]])
        XCTAssertEqual(checks.map { $0["status"] as? String }, ["INVALID", "VALID"])
        XCTAssertTrue(checks.allSatisfy { $0["code"] is NSNull }, "codes are not kept in vonage mode")
    }

    func testStartUpRefusedWithoutVonageCredentials() throws {
        for missing in ["VONAGE_API_KEY", "VONAGE_API_SECRET"] {
            var environment = self.environment
            environment[missing] = nil
            XCTAssertThrowsError(try TestServer(environment: environment)) { error in
                XCTAssertTrue(error is ConfigError, "\(error)")
                XCTAssertEqual("\(error)", "VERIFY_ENGINE=vonage needs \(missing) in the environment")
            }
        }
    }
}
