import App
import Foundation
import Verify
import XCTest

/// The Verify engine's e-mail channel (`VerifyStart(email:brand:)`, `Workflow.email`): the
/// code goes to an address as an e-mail (the outbox here), checks like a texted code, and
/// obeys the same per-destination limits; SMS_COUNTRIES does not apply to an address.
final class EmailChannelTests: IntegrationTestCase {
    let address = "carol@example.com"
    let account = "email-test"
    override var environment: [String: String] { ["SMS_COUNTRIES": "GB"] }

    private func start(_ to: String? = nil, replacing: Bool = false) throws -> String {
        var start = VerifyStart(email: to ?? address, brand: "AcmeApp")
        start.replacesLiveRequest = replacing
        return try server.app.verify.start(start, accountID: account, ip: "", now: server.clock.now())
    }

    private func emails() -> [[String: String]] { server.messages().filter { $0["channel"] == "email" && $0["to"] == address } }

    func testACodeGoesByEmailAndChecksLikeATextedOne() throws {
        let id = try start()
        let mail = try XCTUnwrap(emails().last)
        let pin = try XCTUnwrap(TestServer.pin(in: try XCTUnwrap(mail["subject"])))
        XCTAssertEqual(mail["subject"], "\(pin) is your AcmeApp code", "the code leads the subject, for autofill")
        XCTAssertEqual(mail["body"]?.hasPrefix("Your AcmeApp code is \(pin). It expires in 5 minutes."), true, mail["body"] ?? "")
        XCTAssertEqual(mail["html"]?.contains(">\(pin)</p>"), true)

        let wrong = pin == "000000" ? "111111" : "000000"
        XCTAssertThrowsError(try server.app.verify.check(requestID: id, code: wrong, accountID: account, ip: "", now: server.clock.now()))
        _ = try server.app.verify.check(requestID: id, code: pin, accountID: account, ip: "", now: server.clock.now())
        let request = try XCTUnwrap(try server.app.verify.search(requestID: id, accountID: account, now: server.clock.now()))
        XCTAssertEqual(request.status, .success)
        XCTAssertEqual(request.events.map(\.kind), [.email])
        XCTAssertEqual(request.number, address)
        XCTAssertTrue(server.app.metrics.render().contains(#"twofa_pins_sent_total{channel="email"} 1"#), server.app.metrics.render())
    }

    func testTheSameSendLimitsAsTextedCodes() throws {
        // VERIFY_MAX_SENDS_PER_NUMBER is 3 in config/test.json: the fourth code to one address is refused.
        for _ in 0..<3 { _ = try start(replacing: true) }
        XCTAssertThrowsError(try start(replacing: true)) { error in
            XCTAssertEqual(error as? VerifyError, .throttled)
        }
        XCTAssertEqual(emails().count, 3)
        // Another address has its own allowance.
        _ = try start("dave@example.com")
        // And one live request per destination, as for numbers.
        XCTAssertThrowsError(try start("dave@example.com")) { error in
            XCTAssertEqual((error as? VerifyError)?.status, .concurrent)
        }
    }

    func testAnAddressThatIsNoAddressIsRefused() throws {
        for bad in ["carol@example.com\r\nBcc: x@y.z", "carol", "<carol@example.com>"] {
            XCTAssertThrowsError(try start(bad)) { error in
                XCTAssertEqual(error as? VerifyError, .invalid("email"), bad)
            }
        }
        XCTAssertEqual(server.messages().count, 0)
    }

    func testTheV1APIDoesNotAcceptTheEmailWorkflow() throws {
        let api = try VerifyAPIClient.create(on: server)
        XCTAssertEqual(try api.request("447700900461", [("workflow_id", String(Workflow.emailID))])["status"] as? String, "3")
    }
}
