import App
import Database
import Foundation
import Verify
import XCTest

/// Every PIN sent, verified or failed shows in /metrics by channel and in the audit log,
/// including the voice call the scheduler makes on its own.
final class PinActivityTests: IntegrationTestCase {
    let number = "+447700900123"

    func sample(_ series: String) throws -> Double {
        let body = try server.browser().get("/metrics").body
        return body.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    func testTextWrongCodeScheduledCallAndVerifiedCode() throws {
        let browser = server.browser()
        try signUp(browser)
        XCTAssertEqual(try sample(#"twofa_pins_sent_total{channel="sms"}"#), 1)
        XCTAssertEqual(try enterPIN(browser, "000000").status, 422)
        XCTAssertEqual(try sample(#"twofa_pins_failed_total{channel="sms"}"#), 1)

        server.clock.advance(seconds: 301)
        XCTAssertEqual(server.tick(), 1, "the unanswered text is followed by a call")
        XCTAssertEqual(try sample(#"twofa_pins_sent_total{channel="voice"}"#), 1)
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
        XCTAssertEqual(try sample(#"twofa_pins_verified_total{channel="voice"}"#), 1)
        XCTAssertEqual(try sample(#"twofa_pins_verified_total{channel="sms"}"#), 0)

        let events = try server.app.database.read { db -> [AuditEvent] in
            let user = try XCTUnwrap(try User.find(username: "alice", in: db))
            return try AuditEvent.recent(userID: user.id, limit: 50, in: db)
        }.reversed().map { "\($0.event): \($0.detail)" }
        XCTAssertEqual(events.filter { $0.hasPrefix("pin_") }, [
            "pin_sent: text message to +44 ••••••• 123",
            "pin_failed: text message to +44 ••••••• 123",
            "pin_sent: voice call to +44 ••••••• 123",      // fired by the scheduler
            "pin_verified: voice call to +44 ••••••• 123",
        ])
        let activity = try browser.get("/user/activity").body
        XCTAssertTrue(activity.contains("voice call to +44 ••••••• 123"), activity)
    }

    func testAPIRequestsCountInMetricsButNotInAnyonesAudit() throws {
        // A scheduled call for a request that no session owns is counted, audited nowhere.
        let engine = server.app.verify
        var start = VerifyStart(number: "+447700900555", brand: "Acme")
        start.workflow = Workflow(id: 1)!   // SMS, then calls
        start.nextEventWait = 60
        _ = try engine.start(start, accountID: "api-client", ip: "", now: server.clock.now())
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        XCTAssertEqual(try sample(#"twofa_pins_sent_total{channel="sms"}"#), 1)
        XCTAssertEqual(try sample(#"twofa_pins_sent_total{channel="voice"}"#), 1)
        let audited = try server.app.database.read { try $0.queryOne("SELECT count(*) AS n FROM audit_events")?.int("n") }
        XCTAssertEqual(audited, 0)
    }
}
