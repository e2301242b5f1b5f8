import App
import Foundation
import XCTest
import TestSupport

/// SMS_COUNTRIES: every flow that texts or calls refuses a number outside the listed countries,
/// with the form error on web forms and Vonage's status 15 in the API, before any send.
final class DestinationCountryTests: IntegrationTestCase {
    override var environment: [String: String] { ["SMS_COUNTRIES": "GB,US", "PASSWORDLESS_LOGIN": "on"] }
    let refusal = "We can&#39;t text numbers in this country"

    func testSignUpToAnotherCountryIsRefusedOnTheFormAndNothingIsCreated() throws {
        let browser = server.browser()
        let refused = try signUp(browser, number: "+1 876 555 0123")   // Jamaica shares +1 with the US
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.body.contains(refusal), refused.body)
        XCTAssertTrue(messages(to: "+18765550123").isEmpty)
        XCTAssertNil(try server.app.database.read { try User.find(username: "alice", in: $0) }, "no account made")

        XCTAssertEqual(try signUp(browser, number: "+1 212 555 0123").location, "/verification/new", "New York is the US")
        XCTAssertEqual(messages(to: "+12125550123").count, 1)
        XCTAssertEqual(try server.metric(#"twofa_verify_sends_refused_total{reason="country"}"#), 1)
    }

    func testNumberChangeAndPasswordlessAreRefusedOnTheForm() throws {
        let browser = try verifiedUser()
        try browser.get("/user/number/edit")
        let change = try browser.post("/user/number", [("number", "+1 268 555 0123"), ("current_password", password)],
                                      method: "patch")
        XCTAssertEqual(change.status, 422)
        XCTAssertTrue(change.body.contains(refusal), change.body)
        let audit = try server.app.database.read { db in
            try AuditEvent.recent(userID: try XCTUnwrap(try User.find(username: "alice", in: db)).id, limit: 20, in: db)
        }
        XCTAssertTrue(audit.contains { $0.event == "send_refused" }, "\(audit.map(\.event))")

        let guest = server.browser()
        try guest.get("/passwordless/new")
        let passwordless = try guest.post("/passwordless", [("number", "+7 701 234 5678")])
        XCTAssertEqual(passwordless.status, 422)
        XCTAssertTrue(passwordless.body.contains(refusal), passwordless.body)
        XCTAssertTrue(messages(to: "+12685550123").isEmpty && messages(to: "+77012345678").isEmpty)
        XCTAssertEqual(try server.metric(#"twofa_verify_sends_refused_total{reason="country"}"#), 2)
    }

    func testTheAPIAnswersStatus15WithoutSending() throws {
        let api = try VerifyAPIClient.create(on: server)
        let refused = try api.request("18095550123")   // Dominican Republic
        XCTAssertEqual(refused["status"] as? String, "15", "\(refused)")
        XCTAssertEqual(refused["error_text"] as? String, "The destination number is not in a supported network")
        XCTAssertEqual(try api.request("881612345678")["status"] as? String, "15", "a satellite phone is in no listed country")
        XCTAssertTrue(server.messages().isEmpty)
        XCTAssertEqual(try api.request("447700900555")["status"] as? String, "0")
        XCTAssertEqual(try server.metric(#"twofa_verify_sends_refused_total{reason="country"}"#), 2)
    }

    func testALoginPINToANumberNoLongerServedIsRefusedWithTheReason() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        // The operator narrows SMS_COUNTRIES: the account's GB number is no longer texted.
        let narrowed = try TestServer(environment: ["SMS_COUNTRIES": "US"], sharingDatabaseWith: server)
        defer { narrowed.stop() }
        let sent = messages(to: "+447700900123").count
        let again = narrowed.browser()
        try again.get("/session/new")
        let login = try again.post("/session", [("username", "alice"), ("password", password)])
        XCTAssertEqual(login.location, "/verification/new")
        let page = try again.get("/verification/new")
        XCTAssertTrue(page.body.contains(refusal), page.body)
        XCTAssertEqual(messages(to: "+447700900123").count, sent, "nothing sent")
        XCTAssertEqual(try narrowed.metric(#"twofa_verify_sends_refused_total{reason="country"}"#), 1)
    }

    func testProductionWarnsAtStartWhenSMSCountriesIsUnset() throws {
        let logs = LogCapture()
        logs.start()
        defer { logs.stop() }
        func warnings() -> Int { logs.lines.filter { $0.contains("SMS_COUNTRIES is unset") }.count }
        let production = ["APP_ENV": "production", "SMS_GATEWAY": "outbox"]
        try TestServer(environment: production.merging(["SMS_COUNTRIES": ""]) { $1 }).stop()
        XCTAssertEqual(warnings(), 1)
        try TestServer(environment: production.merging(["SMS_COUNTRIES": "GB"]) { $1 }).stop()
        try TestServer(environment: ["SMS_COUNTRIES": ""]).stop()
        XCTAssertEqual(warnings(), 1, "not with a list, and not outside production")
    }
}
