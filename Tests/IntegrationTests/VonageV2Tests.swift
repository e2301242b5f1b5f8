import App
import Foundation
import XCTest
import TestSupport

/// Vonage Verify v2 (`/v2/verify`) over real HTTP: start, check, next workflow, cancel, and
/// Vonage's problem bodies, with HTTP Basic credentials as the v2 SDK sends them.
final class VonageV2Tests: IntegrationTestCase {
    let number = "447700900561"

    struct V2 {
        let port: Int
        let key: String
        let secret: String

        func call(_ method: String, _ path: String, _ body: Any? = nil, auth: Bool = true) throws -> (status: Int, json: [String: Any]) {
            var headers: [(String, String)] = [("Content-Type", "application/json")]
            if auth { headers.append(("Authorization", "Basic " + Data("\(key):\(secret)".utf8).base64EncodedString())) }
            let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? ""
            let response = try HTTPClient.request(port: port, method: method, path: path, headers: headers, body: text)
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? [:]
            return (response.status, json)
        }
        func start(_ workflow: [[String: Any]], _ extra: [String: Any] = [:]) throws -> (status: Int, json: [String: Any]) {
            try call("POST", "/v2/verify", ["brand": "AcmeApp", "workflow": workflow].merging(extra) { $1 })
        }
    }

    func v2() throws -> V2 {
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: "v2 app")
        return V2(port: server.port, key: key, secret: secret)
    }

    func testEmailLocaleAndCustomCode() throws {
        let api = try v2()
        let mailed = try api.start([["channel": "email", "to": "Ann@Example.com"]])
        XCTAssertEqual(mailed.status, 202, "\(mailed.json)")
        let mail = try XCTUnwrap(server.messages().last)
        XCTAssertEqual(mail["channel"], "email")
        XCTAssertEqual(mail["to"], "Ann@example.com")
        let id = try XCTUnwrap(mailed.json["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "Ann@example.com"))
        XCTAssertEqual(try api.call("POST", "/v2/verify/\(id)", ["code": pin]).json["status"] as? String, "completed")

        XCTAssertEqual(try api.start([["channel": "sms", "to": "447700900571"]], ["locale": "de-de"]).status, 202)
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Ihr Code für AcmeApp lautet "), true, "\(server.messages().last ?? [:])")
        XCTAssertEqual(try api.start([["channel": "sms", "to": "33612345678"]]).status, 202)
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Votre code AcmeApp est "), true, "without a locale, the number's country's")

        XCTAssertTrue(try APIKeyCommands.customCodes(server.app.config, apiKey: api.key, allowed: true))
        let custom = try api.start([["channel": "sms", "to": "447700900572"]], ["code": "424242"])
        XCTAssertEqual(custom.status, 202, "\(custom.json)")
        XCTAssertEqual(server.lastPIN(to: "+447700900572"), "424242")
        XCTAssertEqual(try api.start([["channel": "sms", "to": "447700900573"]], ["code": "12"]).status, 422)
    }

    func testStartWrongCodeRightCode() throws {
        let api = try v2()
        let started = try api.start([["channel": "sms", "to": number]], ["code_length": 8, "locale": "en-gb", "client_ref": "my-ref"])
        XCTAssertEqual(started.status, 202, "\(started.json)")
        let id = try XCTUnwrap(started.json["request_id"] as? String)
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression), id)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(pin.count, 8)

        let wrong = try api.call("POST", "/v2/verify/\(id)", ["code": pin == "00000000" ? "11111111" : "00000000"])
        XCTAssertEqual(wrong.status, 400)
        XCTAssertEqual(wrong.json["title"] as? String, "Invalid Code")
        XCTAssertEqual(wrong.json["type"] as? String, "https://developer.nexmo.com/api-errors#bad-request")
        XCTAssertEqual((wrong.json["instance"] as? String)?.isEmpty, false)

        let right = try api.call("POST", "/v2/verify/\(id)", ["code": pin])
        XCTAssertEqual(right.status, 200, "\(right.json)")
        XCTAssertEqual(right.json["status"] as? String, "completed")
        XCTAssertEqual(right.json["request_id"] as? String, id)

        let again = try api.call("POST", "/v2/verify/\(id)", ["code": pin])
        XCTAssertEqual(again.status, 404, "a completed request is gone")
        XCTAssertEqual(again.json["title"] as? String, "Not Found")
    }

    func testNextWorkflowThenNoMoreThenCancel() throws {
        let api = try v2()
        let started = try api.start([["channel": "sms", "to": number], ["channel": "voice", "to": number]])
        XCTAssertEqual(started.status, 202, "\(started.json)")
        let id = try XCTUnwrap(started.json["request_id"] as? String)
        XCTAssertEqual(try api.call("POST", "/v2/verify/\(id)/next_workflow").status, 200)
        XCTAssertEqual(server.messages().last?["channel"], "voice")
        let none = try api.call("POST", "/v2/verify/\(id)/next_workflow")
        XCTAssertEqual(none.status, 409)
        XCTAssertEqual(none.json["detail"] as? String, "There are no more events left to trigger.")

        let concurrent = try api.start([["channel": "sms", "to": number]])
        XCTAssertEqual(concurrent.status, 409)
        XCTAssertEqual(concurrent.json["request_id"] as? String, id)

        // No 30-second rule in v2: cancelled at once.
        XCTAssertEqual(try api.call("DELETE", "/v2/verify/\(id)").status, 204)
        XCTAssertEqual(try api.call("DELETE", "/v2/verify/\(id)").status, 404)
        XCTAssertEqual(try api.start([["channel": "sms", "to": number]]).status, 202, "the number is free again")
    }

    func testTooManyWrongCodes() throws {
        let api = try v2()
        let id = try XCTUnwrap(try api.start([["channel": "sms", "to": number]]).json["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        let wrong = pin == "0000" ? "1111" : "0000"
        var last = (status: 0, json: [String: Any]())
        for _ in 0..<5 { last = try api.call("POST", "/v2/verify/\(id)", ["code": wrong]) }
        XCTAssertEqual(last.status, 410, "\(last.json)")
        XCTAssertEqual(last.json["detail"] as? String, "An incorrect code has been provided too many times. Workflow terminated.")
    }

    func testInvalidParametersAndCredentials() throws {
        let api = try v2()
        func reason(_ r: (status: Int, json: [String: Any])) -> String? {
            XCTAssertEqual(r.status, 422, "\(r.json)")
            XCTAssertEqual(r.json["title"] as? String, "Invalid params")
            return ((r.json["invalid_parameters"] as? [[String: Any]])?.first?["name"] as? String)
        }
        XCTAssertEqual(reason(try api.start([])), "workflow")
        XCTAssertEqual(reason(try api.call("POST", "/v2/verify", ["brand": "A brand far too long", "workflow": [["channel": "sms", "to": number]]])), "brand")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["channel_timeout": 14])), "channel_timeout")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["code_length": 11])), "code_length")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["code_length": 1e300])), "code_length")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["code_length": 6.5])), "code_length")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["client_ref": "seventeen chars!!"])), "client_ref")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["locale": "xx-yy"])), "locale")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number]], ["code": "1234"])), "code")
        XCTAssertEqual(reason(try api.start([["channel": "whatsapp", "to": number, "from": number]])), "workflow[0].channel")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number], ["channel": "email", "to": "a@example.com"]])),
                       "workflow[1].channel", "an e-mail step is a workflow of its own here")
        XCTAssertEqual(reason(try api.start([["channel": "email", "to": "not an address"]])), "workflow[0].to")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": number], ["channel": "voice", "to": "447700900562"]])), "workflow[1].to")
        XCTAssertEqual(reason(try api.start([["channel": "voice", "to": number], ["channel": "sms", "to": number]])), "workflow")
        XCTAssertEqual(reason(try api.start([["channel": "sms", "to": "not a number"]])), "workflow[0].to")
        XCTAssertTrue(server.messages().isEmpty, "nothing was sent for a refused start")

        let anonymous = try api.call("POST", "/v2/verify", ["brand": "AcmeApp", "workflow": [["channel": "sms", "to": number]]], auth: false)
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.json["title"] as? String, "Unauthorized")
        let wrongSecret = V2(port: api.port, key: api.key, secret: String(repeating: "0", count: 64))
        XCTAssertEqual(try wrongSecret.call("POST", "/v2/verify/\(String(repeating: "a", count: 32))", ["code": "1234"]).status, 401)
        XCTAssertGreaterThan(server.app.metrics.render().components(separatedBy: "reason=\"verify_v2_422\"").count, 1)
    }

    func testAnotherClientsRequestIsNotFound() throws {
        let api = try v2()
        let id = try XCTUnwrap(try api.start([["channel": "sms", "to": number]]).json["request_id"] as? String)
        let other = try v2()
        XCTAssertEqual(try other.call("POST", "/v2/verify/\(id)", ["code": "1234"]).status, 404)
        XCTAssertEqual(try other.call("DELETE", "/v2/verify/\(id)").status, 404)
    }
}
