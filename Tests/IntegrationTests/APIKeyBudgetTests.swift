import App
import Foundation
import Messaging
import Verify
import XCTest
import TestSupport

/// Per-key daily budgets: `twofa api-keys create NAME --daily-limit N` and `api-keys limit`;
/// beyond N texts and calls in a UTC day the API answers status 9 and the key's scheduled
/// events are skipped; `api-keys list` shows the use today.
final class APIKeyBudgetTests: IntegrationTestCase {
    override var staysWithinOneUTCDay: Int64? { 122 }

    func twofa(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TwofaCommand(server: server).run(arguments)
    }

    /// A key made by the CLI, as an operator would.
    func createKey(_ arguments: [String]) throws -> VerifyAPIClient {
        let created = try twofa(["api-keys", "create"] + arguments)
        XCTAssertEqual(created.status, 0, created.err)
        func value(_ name: String) throws -> String {
            let line = try XCTUnwrap(created.out.split(separator: "\n").first { $0.hasPrefix(name + ": ") }, created.out)
            return String(line.dropFirst(name.count + 2))
        }
        return VerifyAPIClient(port: server.port, apiKey: try value("api_key"), apiSecret: try value("api_secret"))
    }

    func status(_ answer: [String: Any]) -> String? { answer["status"] as? String }

    func testBeyondTheDailyLimitTheAPIAnswers9UntilTheOperatorRaisesIt() throws {
        let api = try createKey(["shop", "--daily-limit", "2"])
        let sms = [("workflow_id", "6")]
        XCTAssertEqual(status(try api.request("447700900001", sms)), "0")
        XCTAssertEqual(status(try api.request("447700900002", sms)), "0")
        let third = try api.request("447700900003", sms)
        XCTAssertEqual(status(third), "9", "\(third)")
        XCTAssertEqual(third["error_text"] as? String, "Partner quota exceeded")
        XCTAssertTrue(server.messages().filter { $0["to"] == "+447700900003" }.isEmpty)
        XCTAssertEqual(try server.metric(#"twofa_verify_sends_refused_total{reason="quota"}"#), 1)

        let other = try VerifyAPIClient.create(on: server, name: "unlimited")
        XCTAssertEqual(status(try other.request("447700900003", sms)), "0", "another key's budget is its own")

        let list = try twofa(["api-keys", "list"])
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.contains("\(api.apiKey)  active  today 2/2  "), list.out)
        XCTAssertTrue(list.out.contains("\(other.apiKey)  active  today 1/no limit  "), list.out)

        let raised = try twofa(["api-keys", "limit", "shop", "3"])
        XCTAssertEqual(raised.status, 0, raised.err)
        XCTAssertEqual(status(try api.request("447700900004", sms)), "0")
        XCTAssertEqual(status(try api.request("447700900005", sms)), "9")
        XCTAssertEqual(try twofa(["api-keys", "limit", api.apiKey, "none"]).status, 0)
        XCTAssertEqual(status(try api.request("447700900005", sms)), "0")
        XCTAssertTrue(try twofa(["api-keys", "list"]).out.contains("\(api.apiKey)  active  today 4/no limit  "))

        XCTAssertEqual(try twofa(["api-keys", "create", "x", "--daily-limit", "0"]).status, 1)
        XCTAssertEqual(try twofa(["api-keys", "limit", "shop", "lots"]).status, 1)
        XCTAssertEqual(try twofa(["api-keys", "limit", "nobody", "5"]).status, 1)
    }

    func testScheduledCallsAndTriggersCountAndStopAtTheLimit() throws {
        let api = try createKey(["shop", "--daily-limit", "2"])
        let id = try XCTUnwrap(try api.request("447700900001", [("next_event_wait", "60"), ("pin_expiry", "120")])["request_id"] as? String)
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1, "the call is the key's second send today")
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 0, "the third would be beyond the limit: skipped")
        XCTAssertEqual(server.messages().compactMap { $0["channel"] }, ["sms", "voice"])
        XCTAssertEqual(try server.metric(#"twofa_verify_scheduled_skipped_total{reason="quota"}"#), 1)
        XCTAssertEqual(try api.search(id)["status"] as? String, "IN PROGRESS")
        XCTAssertEqual(status(try api.request("447700900002")), "9")

        _ = try twofa(["api-keys", "limit", "shop", "3"])
        let second = try XCTUnwrap(try api.request("447700900002", [("workflow_id", "4")])["request_id"] as? String)
        let trigger = try api.control(second, "trigger_next_event")
        XCTAssertEqual(status(trigger), "9", "a trigger is a send too: \(trigger)")
    }

    /// An SMS gateway that never gets through.
    struct UnreachableSMS: SMSGateway {
        func send(_ message: SMSMessage) throws { throw SMSDeliveryError("unreachable") }
    }

    func testAFailedDeliveryDoesNotSpendTheBudget() throws {
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: "shop", dailyLimit: 1)
        let clock = server.clock
        // A second instance on the same database whose SMS provider is down.
        let failing = try Application(config: server.app.config, clock: { clock.now() }, gateway: UnreachableSMS())
        var start = VerifyStart(number: "+447700900001", brand: "Shop")
        start.workflow = Workflow(id: 6)!
        XCTAssertThrowsError(try failing.verify.start(start, accountID: key, ip: "", now: clock.now()))
        let api = VerifyAPIClient(port: server.port, apiKey: key, apiSecret: secret)
        XCTAssertEqual(status(try api.request("447700900002", [("workflow_id", "6")])), "0", "the failed text did not count")
        XCTAssertEqual(status(try api.request("447700900003", [("workflow_id", "6")])), "9")
    }
}
