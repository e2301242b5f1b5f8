import App
import Foundation
import Messaging
import XCTest

/// The engine's workflows over the API with the test clock: the scheduler fires the next
/// event when next_event_wait passes, survives a restart, and control obeys Vonage's rules.
final class VerifyEngineTests: IntegrationTestCase {
    let number = "447700900666"
    var e164: String { "+" + number }

    func channels() -> [String] { server.messages().filter { $0["to"] == e164 }.compactMap { $0["channel"] } }

    func testWorkflow1SendsSMSThenTwoCallsThenExpires() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60"), ("pin_expiry", "120")])["request_id"] as? String)
        XCTAssertEqual(channels(), ["sms"])
        XCTAssertEqual(server.tick(), 0, "nothing is due yet")

        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        XCTAssertEqual(server.tick(), 0, "a tick never repeats an event")
        XCTAssertEqual(channels(), ["sms", "voice"])
        let call = try XCTUnwrap(server.messages().last?["body"])
        XCTAssertTrue(call.contains("Your AcmeApp code is "), call)

        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        XCTAssertEqual(channels(), ["sms", "voice", "voice"])
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 0, "workflow 1 has three events")

        let searched = try api.search(id)
        XCTAssertEqual(searched["status"] as? String, "IN PROGRESS")
        XCTAssertEqual((searched["events"] as? [[String: Any]])?.map { $0["type"] as? String }, ["sms", "tts", "tts"])

        server.clock.advance(seconds: 60)
        server.tick()
        XCTAssertEqual(try api.search(id)["status"] as? String, "EXPIRED")
        let pin = try XCTUnwrap(server.lastPIN(to: e164))
        XCTAssertEqual(try api.check(id, pin)["status"] as? String, "6", "an expired request is over")
    }

    func testEachEventBringsANewCodeAndOnlyTheNewestWorks() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("workflow_id", "5"), ("next_event_wait", "60"), ("pin_expiry", "60")])["request_id"] as? String)
        let smsPIN = try XCTUnwrap(server.lastPIN(to: e164))
        server.clock.advance(seconds: 61)
        server.tick()
        XCTAssertEqual(channels(), ["sms", "voice"])
        let callPIN = try XCTUnwrap(server.lastPIN(to: e164))
        if smsPIN != callPIN { XCTAssertEqual(try api.check(id, smsPIN)["status"] as? String, "16") }
        XCTAssertEqual(try api.check(id, callPIN)["status"] as? String, "0")
        server.clock.advance(seconds: 600)
        XCTAssertEqual(server.tick(), 0, "nothing fires after success")
    }

    func testCorrectCheckStopsTheWorkflow() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60")])["request_id"] as? String)
        XCTAssertEqual(try api.check(id, try XCTUnwrap(server.lastPIN(to: e164)))["status"] as? String, "0")
        server.clock.advance(seconds: 1000)
        XCTAssertEqual(server.tick(), 0)
        XCTAssertEqual(channels(), ["sms"])
    }

    func testRestartContinuesWithoutRepeatingOrLosingAnEvent() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60"), ("pin_expiry", "180")])["request_id"] as? String)
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        XCTAssertEqual(channels(), ["sms", "voice"])

        // "Restart": a second Application on the same database and outbox, with its own clock.
        let clock = server.clock
        let restarted = try Application(config: server.app.config, clock: { clock.now() })
        XCTAssertEqual(restarted.scheduler.tick(), 0, "the event already sent is not sent again")
        clock.advance(seconds: 61)
        XCTAssertEqual(restarted.scheduler.tick(), 1, "the next one is not lost")
        XCTAssertEqual(server.tick(), 0, "and the old process can't fire it a second time")
        XCTAssertEqual(channels(), ["sms", "voice", "voice"])
        XCTAssertEqual((try api.search(id)["events"] as? [[String: Any]])?.count, 3)
    }

    /// Claim-then-send: a process that dies after claiming an event, before the message is
    /// handed over, loses that event; the one that carries on never sends it.
    func testACrashBetweenClaimingAndSendingNeverSendsTwice() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60"), ("pin_expiry", "300")])["request_id"] as? String)
        XCTAssertEqual(channels(), ["sms"])

        // The dying process: its voice gateway never returns (the process is gone) until the test ends.
        let clock = server.clock
        let stuck = StuckVoiceGateway()
        let dying = try Application(config: server.app.config, clock: { clock.now() }, voiceGateway: stuck)
        let dyingTick = DispatchGroup()
        defer {
            stuck.release()
            _ = dyingTick.wait(timeout: .now() + 60)   // its late failure lands before the database goes
        }
        clock.advance(seconds: 61)
        DispatchQueue.global().async(group: dyingTick) { _ = dying.scheduler.tick() }
        XCTAssertEqual(stuck.reached.wait(timeout: .now() + 60), .success, "the claimed call reached the gateway")

        // The process that carries on finds the event claimed: nothing to send, now or later.
        XCTAssertEqual(server.tick(), 0)
        XCTAssertEqual(channels(), ["sms"], "the claimed call is not sent by anyone else")
        XCTAssertEqual((try api.search(id)["events"] as? [[String: Any]])?.count, 2, "the lost event is on record")
        clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1, "the workflow carries on with the next event")
        XCTAssertEqual(server.tick(), 0)
        XCTAssertEqual(channels(), ["sms", "voice"], "the third event, once; the lost one never")
    }

    func testTwoSchedulersRacingFireEachEventOnce() throws {
        let api = try VerifyAPIClient.create(on: server)
        for i in 0..<5 {
            XCTAssertEqual(try api.request("4477009007\(i)0", [("next_event_wait", "60"), ("workflow_id", "5")])["status"] as? String, "0")
        }
        let clock = server.clock
        let other = try Application(config: server.app.config, clock: { clock.now() })
        clock.advance(seconds: 61)
        let fired = NSLock()
        var total = 0
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let n = i % 2 == 0 ? self.server.tick() : other.scheduler.tick()
            fired.lock(); total += n; fired.unlock()
        }
        XCTAssertEqual(total, 5)
        XCTAssertEqual(server.messages().filter { $0["channel"] == "voice" }.count, 5)
    }

    func testCancelRules() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60"), ("pin_expiry", "180")])["request_id"] as? String)
        let early = try api.control(id, "cancel")
        XCTAssertEqual(early["status"] as? String, "19")
        XCTAssertTrue((early["error_text"] as? String)?.contains("within the first 30 seconds") == true)

        server.clock.advance(seconds: 31)
        let ok = try api.control(id, "cancel")
        XCTAssertEqual(ok["status"] as? String, "0")
        XCTAssertEqual(ok["command"] as? String, "cancel")
        XCTAssertEqual(try api.search(id)["status"] as? String, "CANCELLED")
        XCTAssertEqual(try api.check(id, try XCTUnwrap(server.lastPIN(to: e164)))["status"] as? String, "6")
        server.clock.advance(seconds: 100)
        XCTAssertEqual(server.tick(), 0, "a cancelled request sends nothing more")

        // After the second event it can no longer be cancelled.
        let second = try XCTUnwrap(try api.request(number, [("next_event_wait", "60"), ("pin_expiry", "180")])["request_id"] as? String)
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        let late = try api.control(second, "cancel")
        XCTAssertEqual(late["status"] as? String, "19")
        XCTAssertTrue((late["error_text"] as? String)?.contains("Too many attempts") == true)
        XCTAssertEqual(try api.control(second, "explode")["status"] as? String, "3")
    }

    func testTriggerNextEventFiresNowUntilNoneIsLeft() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number, [("workflow_id", "2")])["request_id"] as? String)
        XCTAssertEqual(try api.control(id, "trigger_next_event")["status"] as? String, "0")
        XCTAssertEqual(channels(), ["sms", "sms"])
        XCTAssertEqual(try api.control(id, "trigger_next_event")["status"] as? String, "0")
        XCTAssertEqual(channels(), ["sms", "sms", "voice"])
        let none = try api.control(id, "trigger_next_event")
        XCTAssertEqual(none["status"] as? String, "19")
        XCTAssertTrue((none["error_text"] as? String)?.contains("No more events") == true)
        server.clock.advance(seconds: 1000)
        XCTAssertEqual(server.tick(), 0, "triggered events are not fired again by the scheduler")
        XCTAssertEqual(channels().count, 3)
    }
}

/// A voice gateway whose call never gets through: it says it was reached, then holds the
/// calling thread until `release()`, as if the process had died there. Then it fails.
final class StuckVoiceGateway: VoiceGateway, @unchecked Sendable {
    struct Died: Error {}
    let reached = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    func call(_ call: VoiceCall) throws -> DeliveryReceipt {
        reached.signal()
        _ = gate.wait(timeout: .now() + 120)
        throw Died()
    }

    func release() { gate.signal() }
}
