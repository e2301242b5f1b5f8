import App
import Foundation
import XCTest
import TestSupport

/// The call the scheduler places after an unanswered text is a send like any other: the
/// per-number limit counts it, and when it is spent the call is skipped and the request
/// simply runs out.
final class ScheduledSendLimitTests: IntegrationTestCase {
    override var environment: [String: String] { ["VERIFY_MAX_SENDS_PER_NUMBER": "1"] }
    override var staysWithinOneUTCDay: Int64? { 61 }   // the budget test's move

    func channels(_ number: String) -> [String] { server.messages().filter { $0["to"] == number }.compactMap { $0["channel"] } }

    func testTheCallAfterAnUnansweredSignUpTextObeysThePerNumberLimit() throws {
        XCTAssertEqual(try signUp(server.browser()).location, "/verification/new")
        XCTAssertEqual(channels("+447700900123"), ["sms"])
        server.clock.advance(seconds: 301)   // the text's code expires: the call is due
        XCTAssertEqual(server.tick(), 0, "the call would be the number's second send in the window")
        XCTAssertEqual(channels("+447700900123"), ["sms"])
        XCTAssertEqual(try server.metric(#"twofa_verify_scheduled_skipped_total{reason="throttled"}"#), 1)
        server.clock.advance(seconds: 600)
        XCTAssertEqual(server.tick(), 0, "skipped for good, not retried when the window passes")
        XCTAssertEqual(channels("+447700900123"), ["sms"])
    }

    func testAnAPIRequestWhoseCallIsSkippedRunsOut() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request("447700900666", [("next_event_wait", "60"), ("pin_expiry", "120")])["request_id"] as? String)
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 0)
        XCTAssertEqual(channels("+447700900666"), ["sms"])
        XCTAssertEqual(try api.search(id)["status"] as? String, "IN PROGRESS", "its text's code still works until it expires")
        server.clock.advance(seconds: 60)
        server.tick()
        XCTAssertEqual(try api.search(id)["status"] as? String, "EXPIRED")
    }

    func testASkippedCallDoesNotSpendTheKeysBudget() throws {
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: "shop", dailyLimit: 2)
        let api = VerifyAPIClient(port: server.port, apiKey: key, apiSecret: secret)
        XCTAssertEqual(try api.request("447700900666", [("workflow_id", "5"), ("next_event_wait", "60")])["status"] as? String, "0")
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 0, "skipped by the per-number limit")
        XCTAssertEqual(try api.request("447700900777", [("workflow_id", "6")])["status"] as? String, "0",
                       "the skipped call took nothing from the budget: this is the key's second send")
        XCTAssertEqual(try api.request("447700900888", [("workflow_id", "6")])["status"] as? String, "9")
    }
}
