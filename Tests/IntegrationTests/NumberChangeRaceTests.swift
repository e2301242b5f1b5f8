import App
import Database
import Foundation
import Messaging
import XCTest
import TestSupport

/// The outbox, except that a text to `heldNumber` waits on a gate until the test opens it:
/// a provider that is slow for one request, so a test can run another request meanwhile.
final class GatedGateway: SMSGateway, @unchecked Sendable {
    /// Set once the server (and so its outbox path) exists, before any text is sent.
    var outbox: OutboxGateway?
    let heldNumber: String
    let entered = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    init(holding number: String) { heldNumber = number }

    func open() { gate.signal() }

    func send(_ message: SMSMessage) throws {
        if message.to == heldNumber {
            entered.signal()
            _ = gate.wait(timeout: .now() + 60)   // a gate never opened fails the test, not the suite
        }
        guard let outbox else { throw SMSDeliveryError("no outbox yet") }
        try outbox.send(message)
    }
}

/// Two number changes from one session at once (issue 13, section 4): the PIN sent to one
/// number must never move the account to the other.
final class NumberChangeRaceTests: IntegrationTestCase {
    let numberA = "+447700900501"
    let numberB = "+447700900502"
    var gateway: GatedGateway!

    override func setUpWithError() throws {
        gateway = GatedGateway(holding: numberA)
        server = try TestServer(gateway: gateway)
        // The server's own outbox, so `server.messages()` reads what the gate lets through.
        gateway.outbox = try OutboxGateway(path: server.outboxPath)
    }

    override func tearDown() {
        gateway?.open()
        super.tearDown()
    }

    func patchNumber(_ browser: Browser, _ number: String, token: String) throws -> TestResponse {
        try browser.post("/user/number", [("number", number), ("current_password", password)], token: token, method: "patch")
    }

    func testThePINForOneNumberNeverVerifiesTheOther() throws {
        let first = try verifiedUser()
        try first.get("/user/number/edit")
        let token = try XCTUnwrap(first.csrfToken)
        // A second tab of the same browser: same cookies, same session.
        let second = server.browser()
        for (name, value) in first.cookies { second.setCookie(name, value) }

        // Change to A: its text is held at the provider, after the pending change was recorded.
        final class Answer: @unchecked Sendable { var response: TestResponse? }   // written before the signal, read after
        let answerA = Answer()
        let doneA = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [self] in
            answerA.response = try? patchNumber(first, numberA, token: token)
            doneA.signal()
        }
        XCTAssertEqual(gateway.entered.wait(timeout: .now() + 30), .success, "the text to A never reached the provider")
        // Meanwhile, change to B: it goes through.
        XCTAssertEqual(try patchNumber(second, numberB, token: token).location, "/user/number/verification/new")
        gateway.open()
        XCTAssertEqual(doneA.wait(timeout: .now() + 30), .success)
        let a = try XCTUnwrap(answerA.response)
        XCTAssertEqual(a.status, 422, "the change to A was replaced by the one to B")
        XCTAssertTrue(a.body.contains("You asked for another number since"), a.body)

        // The code texted to A is no good for the pending change (to B).
        let pinA = try XCTUnwrap(server.lastPIN(to: numberA))
        let pinB = try XCTUnwrap(server.lastPIN(to: numberB))
        try second.get("/user/number/verification/new")
        let wrong = try second.post("/user/number/verification", [("code", pinA)])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertEqual(try number(), "+447700900123", "A's PIN moved the account")
        // B's own code does.
        XCTAssertEqual(try second.post("/user/number/verification", [("code", pinB)]).location, "/user/edit")
        XCTAssertEqual(try number(), numberB)

        let events = try server.app.database.read { db in
            try AuditEvent.recent(userID: try XCTUnwrap(try User.find(username: "alice", in: db)).id, limit: 100, in: db)
        }
        XCTAssertTrue(events.contains { $0.kind == .numberChangeSuperseded && $0.detail == "+44 ••••••• 501" })
        XCTAssertTrue(server.app.metrics.render().contains("twofa_refusals_total{reason=\"number_change_superseded\"} 1"))
    }

    /// The net behind the row-id link: a pending change whose request went to another number
    /// (as the race used to leave it) is discarded, not applied.
    func testAChangeWhoseRequestWentElsewhereIsNeverApplied() throws {
        let browser = try verifiedUser()
        gateway.open()   // no race here: A's text goes straight out
        try browser.get("/user/number/edit")
        XCTAssertEqual(try patchNumber(browser, numberA, token: try XCTUnwrap(browser.csrfToken)).location,
                       "/user/number/verification/new")
        try server.app.database.write { try $0.execute("UPDATE number_changes SET new_number = ?", [.text(numberB)]) }
        try browser.get("/user/number/verification/new")
        let refused = try browser.post("/user/number/verification", [("code", try XCTUnwrap(server.lastPIN(to: numberA)))])
        XCTAssertEqual(refused.location, "/user/number/edit")
        XCTAssertEqual(try number(), "+447700900123")
        XCTAssertEqual(try server.app.database.read { try $0.query("SELECT id FROM number_changes", []) }.count, 0)
        XCTAssertTrue(server.app.metrics.render().contains("twofa_refusals_total{reason=\"number_change_mismatch\"} 1"))
    }

    func number() throws -> String? {
        try server.app.database.read { try User.find(username: "alice", in: $0)?.number }
    }
}
