import App
import Foundation
import XCTest
import TestSupport

/// VERIFY_MAX_SENDS_PER_HOUR: codes to numbers not yet verified (sign-ups, number changes,
/// passwordless sign-ups, every API start) stop for the rest of the hour once the cap is
/// reached; logins to verified numbers keep theirs; /metrics and the log say so.
final class SendBrakeTests: IntegrationTestCase {
    override var environment: [String: String] { ["VERIFY_MAX_SENDS_PER_HOUR": "2"] }

    func testTheBrakeStopsCodesToNewNumbersButNotLogins() throws {
        let logs = LogCapture()
        logs.start()
        defer { logs.stop() }
        // From the top of an hour: the brake counts per clock hour, and the test must stay inside one.
        server.clock.advance(seconds: 3_600 - server.clock.now() % 3_600)
        let alice = try verifiedUser()                                               // 1: alice's sign-up
        XCTAssertEqual(try signUp(server.browser(), username: "bob", number: "+44 7700 900222").location,
                       "/verification/new")                                          // 2: bob's
        XCTAssertEqual(messages(to: "+447700900222").count, 1)
        XCTAssertEqual(try server.metric("twofa_verify_brake_engaged"), 0)

        let api = try VerifyAPIClient.create(on: server)
        let braked = try api.request("447700900333")
        XCTAssertEqual(braked["status"] as? String, "1", "\(braked)")
        XCTAssertTrue(messages(to: "+447700900333").isEmpty)

        let carol = server.browser()
        XCTAssertEqual(try signUp(carol, username: "carol", number: "+44 7700 900444").location, "/verification/new")
        let page = try carol.get("/verification/new")
        XCTAssertTrue(page.body.contains("We&#39;re sending too many codes right now. Please try again later."), page.body)
        XCTAssertTrue(messages(to: "+447700900444").isEmpty)

        // Alice's number is verified: her login PIN goes.
        XCTAssertEqual(try logOut(alice).location, "/session/new")
        let sent = messages(to: "+447700900123").count
        XCTAssertEqual(try logIn(alice).location, "/verification/new")
        XCTAssertEqual(messages(to: "+447700900123").count, sent + 1)

        XCTAssertEqual(try server.metric("twofa_verify_brake_engaged"), 1)
        XCTAssertEqual(try server.metric(#"twofa_verify_sends_refused_total{reason="brake"}"#), 2)
        XCTAssertEqual(logs.lines.filter { $0.contains("VERIFY_MAX_SENDS_PER_HOUR reached") }.count, 1,
                       "logged when it engages, not per request")

        server.clock.advance(seconds: 3_600)
        XCTAssertEqual(try api.request("447700900333")["status"] as? String, "0", "a new hour")
        XCTAssertEqual(try server.metric("twofa_verify_brake_engaged"), 0)
    }
}
