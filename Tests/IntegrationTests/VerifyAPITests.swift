import App
import Foundation
import XCTest
import TestSupport

/// The Verify JSON API over real HTTP: every Vonage status it can answer, both ways of
/// passing credentials, form and JSON bodies, GET and POST.
final class VerifyAPITests: IntegrationTestCase {
    let number = "447700900555"

    func status(_ answer: [String: Any]) -> String? { answer["status"] as? String }

    func testRequestCheckSearchSuccess() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.request(number)
        XCTAssertEqual(status(started), "0", "\(started)")
        let id = try XCTUnwrap(started["request_id"] as? String)
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{32}$", options: .regularExpression), id)
        let sms = try XCTUnwrap(server.messages().last)
        XCTAssertEqual(sms["to"], "+" + number)
        XCTAssertEqual(sms["channel"], "sms")
        XCTAssertTrue(sms["body"]?.hasPrefix("Your AcmeApp code is ") == true, sms["body"] ?? "")
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(pin.count, 6)

        let wrong = try api.check(id, pin == "000000" ? "111111" : "000000")
        XCTAssertEqual(status(wrong), "16")
        XCTAssertEqual(wrong["error_text"] as? String, "The code provided does not match the expected value")

        let ok = try api.check(id, pin)
        XCTAssertEqual(status(ok), "0", "\(ok)")
        XCTAssertEqual(ok["request_id"] as? String, id)
        XCTAssertEqual((ok["event_id"] as? String)?.isEmpty, false)
        XCTAssertNotNil(ok["price"] as? String)
        XCTAssertEqual(ok["currency"] as? String, "EUR")

        let again = try api.check(id, pin)
        XCTAssertEqual(status(again), "6", "a verified request can't be checked again")

        let found = try api.search(id)
        XCTAssertEqual(found["status"] as? String, "SUCCESS")
        XCTAssertEqual(found["request_id"] as? String, id)
        XCTAssertEqual(found["account_id"] as? String, api.apiKey)
        XCTAssertEqual(found["number"] as? String, number)
        for field in ["date_submitted", "date_finalized", "first_event_date", "last_event_date"] {
            let value = try XCTUnwrap(found[field] as? String, field)
            XCTAssertNotNil(value.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"#, options: .regularExpression), value)
        }
        let checks = try XCTUnwrap(found["checks"] as? [[String: Any]])
        XCTAssertEqual(checks.map { $0["status"] as? String }, ["INVALID", "VALID"])
        XCTAssertTrue(checks[1]["code"] is NSNull, "the correct code is never stored or echoed")
        let events = try XCTUnwrap(found["events"] as? [[String: Any]])
        XCTAssertEqual(events.map { $0["type"] as? String }, ["sms"])
        XCTAssertEqual(events.first?["id"] as? String, ok["event_id"] as? String)
    }

    /// A check names the request's newest event: after trigger_next_event, the call, not the text.
    func testCheckAnswersWithTheNewestEvent() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.request(number, [("workflow_id", "1")])
        let id = try XCTUnwrap(started["request_id"] as? String)
        XCTAssertEqual(status(try api.control(id, "trigger_next_event")), "0")
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        let ok = try api.check(id, pin)
        XCTAssertEqual(status(ok), "0", "\(ok)")
        let events = try XCTUnwrap(try api.search(id)["events"] as? [[String: Any]])
        XCTAssertEqual(events.count, 2, "\(events)")
        XCTAssertEqual(ok["event_id"] as? String, events.last?["id"] as? String)
        XCTAssertNotEqual(ok["event_id"] as? String, events.first?["id"] as? String)
    }

    func testMissingAndInvalidParameters() throws {
        let api = try VerifyAPIClient.create(on: server)
        XCTAssertEqual(status(try api.call("/verify/json", [("brand", "Acme")])), "2")
        XCTAssertEqual(status(try api.call("/verify/json", [("number", number)])), "2")
        XCTAssertEqual(status(try api.request("not a number")), "3")
        XCTAssertEqual(status(try api.request(number, brand: "A brand name far too long")), "3")
        XCTAssertEqual(status(try api.request(number, [("code_length", "5")])), "3")
        XCTAssertEqual(status(try api.request(number, [("workflow_id", "8")])), "3")
        XCTAssertEqual(status(try api.request(number, [("pin_expiry", "59")])), "3")
        XCTAssertEqual(status(try api.request(number, [("next_event_wait", "901")])), "3")
        XCTAssertEqual(status(try api.request(number, [("pin_expiry", "300"), ("next_event_wait", "120")])), "3",
                       "pin_expiry must be a multiple of next_event_wait")
        XCTAssertEqual(status(try api.call("/verify/check/json", [("request_id", "abc")])), "2")
        XCTAssertEqual(status(try api.check("abc", "12a4")), "3")
        XCTAssertEqual(status(try api.call("/verify/control/json", [("request_id", "abc")])), "2")
        XCTAssertEqual(status(try api.call("/verify/search/json", [])), "2")
        XCTAssertTrue(server.messages().isEmpty, "nothing was sent for a bad request")
    }

    func testCredentials() throws {
        var api = try VerifyAPIClient.create(on: server)
        var none = api; none.credentials = .none
        XCTAssertEqual(status(try none.request(number)), "2")
        XCTAssertEqual((try none.request(number))["error_text"] as? String, "Missing api_key")
        let wrong = VerifyAPIClient(port: server.port, apiKey: api.apiKey, apiSecret: String(repeating: "0", count: 64))
        XCTAssertEqual(status(try wrong.request(number)), "4")
        let unknown = VerifyAPIClient(port: server.port, apiKey: "0000000000000000", apiSecret: api.apiSecret)
        XCTAssertEqual(status(try unknown.request(number)), "4")

        api.credentials = .basic
        XCTAssertEqual(status(try api.request(number)), "0", "HTTP Basic works")

        XCTAssertTrue(try APIKeyCommands.revoke(server.app.config, apiKey: api.apiKey))
        XCTAssertEqual(status(try api.request("447700900556")), "4", "a revoked key is refused")
        XCTAssertFalse(try APIKeyCommands.revoke(server.app.config, apiKey: api.apiKey), "already revoked")
        XCTAssertTrue(try APIKeyCommands.list(server.app.config).contains { $0.hasPrefix(api.apiKey) && $0.contains("revoked") })
    }

    func testJSONBodiesGETAndNoCSRF() throws {
        var api = try VerifyAPIClient.create(on: server)
        api.encoding = .json
        let started = try api.request(number, [("code_length", "4"), ("workflow_id", "6")])
        XCTAssertEqual(status(started), "0", "\(started)")
        let id = try XCTUnwrap(started["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(pin.count, 4, "code_length 4")
        // GET with everything in the query string, as the old Nexmo clients do.
        let ok = try api.call("/verify/check/json", [("request_id", id), ("code", pin)], method: "GET")
        XCTAssertEqual(status(ok), "0", "\(ok)")

        let unsupported = try HTTPClient.request(port: server.port, method: "POST", path: "/verify/json",
                                                 headers: [("Content-Type", "text/plain")], body: "hello")
        XCTAssertEqual(unsupported.status, 415)
        let broken = try HTTPClient.request(port: server.port, method: "POST", path: "/verify/json",
                                            headers: [("Content-Type", "application/json")], body: "{not json")
        XCTAssertEqual(broken.status, 400)
    }

    func testConcurrentRequestGetsStatus10WithTheLiveID() throws {
        let api = try VerifyAPIClient.create(on: server)
        let first = try XCTUnwrap(try api.request(number)["request_id"] as? String)
        let second = try api.request(number)
        XCTAssertEqual(status(second), "10")
        XCTAssertEqual(second["request_id"] as? String, first)
        // Another account's request for the same number is its own business.
        let other = try VerifyAPIClient.create(on: server, name: "other")
        XCTAssertEqual(status(try other.request(number)), "0")
    }

    func testTooManyWrongCodes() throws {
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request(number)["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        let wrong = pin == "000000" ? "111111" : "000000"
        XCTAssertEqual(status(try api.check(id, wrong)), "16")
        XCTAssertEqual(status(try api.check(id, wrong)), "16")
        XCTAssertEqual(status(try api.check(id, wrong)), "17")
        XCTAssertEqual(status(try api.check(id, pin)), "17", "even the right code is refused now")
        XCTAssertEqual(try api.search(id)["status"] as? String, "FAILED")
        // The number is free again.
        XCTAssertEqual(status(try api.request(number)), "0")
    }

    func testNotFoundAndSearchLimits() throws {
        let api = try VerifyAPIClient.create(on: server)
        let unknown = String(repeating: "a", count: 32)
        XCTAssertEqual(status(try api.check(unknown, "123456")), "6")
        XCTAssertEqual(status(try api.control(unknown, "cancel")), "6")
        XCTAssertEqual(status(try api.search(unknown)), "101")
        let id = try XCTUnwrap(try api.request(number)["request_id"] as? String)
        let other = try VerifyAPIClient.create(on: server, name: "other")
        XCTAssertEqual(status(try other.check(id, "123456")), "6", "another account's request is invisible")
        XCTAssertEqual(status(try other.search(id)), "101")

        let many = (0..<11).map { _ in ("request_ids", id) }
        XCTAssertEqual(status(try api.call("/verify/search/json", many)), "18")
        let two = try api.call("/verify/search/json", [("request_ids", id), ("request_ids", unknown)])
        let list = try XCTUnwrap(two["verification_requests"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["request_id"] as? String }, [id])
    }

    func testSendThrottlePerNumber() throws {
        let api = try VerifyAPIClient.create(on: server)
        for _ in 0..<3 {
            let id = try XCTUnwrap(try api.request(number, [("workflow_id", "6")])["request_id"] as? String)
            server.clock.advance(seconds: 31)
            XCTAssertEqual(status(try api.control(id, "cancel")), "0")
        }
        let fourth = try api.request(number)
        XCTAssertEqual(status(fourth), "1", "\(fourth)")
        XCTAssertEqual(fourth["error_text"] as? String, "Throttled")
        XCTAssertEqual(server.messages().count, 3)
        server.clock.advance(seconds: 601)
        XCTAssertEqual(status(try api.request(number)), "0", "the window has passed")
    }

    func testOpenAPIDocumentIsServed() throws {
        let response = try HTTPClient.request(port: server.port, method: "GET", path: "/verify/openapi.json")
        XCTAssertEqual(response.status, 200)
        let doc = try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any])
        XCTAssertTrue((doc["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try XCTUnwrap(doc["paths"] as? [String: Any])
        for path in ["/verify/json", "/verify/check/json", "/verify/search/json", "/verify/control/json"] {
            XCTAssertNotNil(paths[path], path)
        }
    }
}

/// Each API key is rate-limited (VERIFY_API_RATE_LIMIT calls a minute).
final class VerifyAPIRateLimitTests: IntegrationTestCase {
    override var environment: [String: String] { ["VERIFY_API_RATE_LIMIT": "3"] }

    func testKeyOverItsLimitIsThrottled() throws {
        let api = try VerifyAPIClient.create(on: server)
        let other = try VerifyAPIClient.create(on: server, name: "other")
        let unknown = String(repeating: "b", count: 32)
        server.clock.advance(seconds: 60 - server.clock.now() % 60)   // start of a minute
        for _ in 0..<3 { XCTAssertEqual(try api.search(unknown)["status"] as? String, "101") }
        XCTAssertEqual(try api.search(unknown)["status"] as? String, "1")
        XCTAssertEqual(try other.search(unknown)["status"] as? String, "101", "limits are per key")
        server.clock.advance(seconds: 60)
        XCTAssertEqual(try api.search(unknown)["status"] as? String, "101", "a new minute")
    }
}

/// `lg`, the number's country, `country` for national numbers, and PSD2 (`/verify/psd2/json`).
final class VerifyLanguageAPITests: IntegrationTestCase {
    func testLanguageFromLgOrTheNumbersCountry() throws {
        let api = try VerifyAPIClient.create(on: server)
        XCTAssertEqual(try api.request("4915112345678")["status"] as? String, "0")
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Ihr Code für AcmeApp lautet "), true,
                       "a German number gets German: \(server.messages().last ?? [:])")
        XCTAssertEqual(try api.request("447700900555", [("lg", "fr-fr")])["status"] as? String, "0")
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Votre code AcmeApp est "), true)
        XCTAssertEqual(try api.request("447700900556", [("lg", "sv-se"), ("workflow_id", "7")])["status"] as? String, "0")
        let call = try XCTUnwrap(server.messages().last)
        XCTAssertEqual(call["channel"], "voice")
        XCTAssertTrue(call["body"]?.hasPrefix("Din kod för AcmeApp är ") == true, call["body"] ?? "")
        XCTAssertTrue(call["body"]?.contains("En gång till: ") == true)
        XCTAssertEqual(try api.request("447700900557", [("lg", "xx-yy")])["status"] as? String, "3")
        XCTAssertEqual(try api.request("447700900557", [("lg", "DE-DE")])["status"] as? String, "3", "Vonage's codes are lowercase")
    }

    func testNationalNumberWithCountry() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.request("07700900555", [("country", "GB")])
        XCTAssertEqual(started["status"] as? String, "0", "\(started)")
        XCTAssertEqual(server.messages().last?["to"], "+447700900555")
        XCTAssertEqual(try api.request("07700900555", [("country", "ZZ")])["status"] as? String, "3")
    }

    func testPSD2TextNamesThePaymentAndItsCodeWorks() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.call("/verify/psd2/json", [("number", "447700900555"), ("payee", "Acme Shop"), ("amount", "12.5")])
        XCTAssertEqual(started["status"] as? String, "0", "\(started)")
        let id = try XCTUnwrap(started["request_id"] as? String)
        let body = try XCTUnwrap(server.messages().last?["body"])
        XCTAssertTrue(body.hasPrefix("Your code to pay €12.50 to Acme Shop is "), body)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900555"))
        XCTAssertEqual(try api.check(id, pin)["status"] as? String, "0")
        XCTAssertEqual(try api.search(id)["status"] as? String, "SUCCESS")

        let german = try api.call("/verify/psd2/json", [("number", "4915112345678"), ("payee", "Laden"), ("amount", "1000")])
        XCTAssertEqual(german["status"] as? String, "0")
        XCTAssertTrue(server.messages().last?["body"]?.hasPrefix("Ihr Code für die Zahlung von 1.000,00\u{00A0}€ an Laden lautet ") == true,
                      server.messages().last?["body"] ?? "")

        XCTAssertEqual(try api.call("/verify/psd2/json", [("number", "447700900556"), ("amount", "5")])["status"] as? String, "2")
        XCTAssertEqual(try api.call("/verify/psd2/json", [("number", "447700900556"), ("payee", "A payee far too long"),
                                                           ("amount", "5")])["status"] as? String, "3")
        XCTAssertEqual(try api.call("/verify/psd2/json", [("number", "447700900556"), ("payee", "Shop"),
                                                           ("amount", "5,00")])["status"] as? String, "3")
    }

    func testPSD2CodeIsBoundToItsPayment() throws {
        let api = try VerifyAPIClient.create(on: server)
        let started = try api.call("/verify/psd2/json", [("number", "447700900555"), ("payee", "Acme Shop"), ("amount", "12.50")])
        let id = try XCTUnwrap(started["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900555"))
        // Whoever could change the stored payment (to send the approval elsewhere) makes the code fail.
        try server.app.database.write { try $0.execute("UPDATE verify_requests SET payee = 'Mallory' WHERE request_id = ?", [.text(id)]) }
        XCTAssertEqual(try api.check(id, pin)["status"] as? String, "16")
    }
}

/// `pin_code`: status 20 unless the client is allowed custom codes; then every event sends that
/// code, and it is kept only sealed, until the request ends.
final class VerifyCustomCodeTests: IntegrationTestCase {
    func testPinCodeNeedsThePermissionAndEveryEventSendsIt() throws {
        let api = try VerifyAPIClient.create(on: server)
        let refused = try api.request("447700900555", [("pin_code", "8642")])
        XCTAssertEqual(refused["status"] as? String, "20", "\(refused)")
        XCTAssertEqual(refused["error_text"] as? String, "This account does not support the parameter: pin_code.")
        XCTAssertTrue(server.messages().isEmpty)
        XCTAssertEqual(try server.metric(#"twofa_refusals_total{reason="verify_custom_code"}"#), 1)

        XCTAssertTrue(try APIKeyCommands.customCodes(server.app.config, apiKey: api.apiKey, allowed: true))
        XCTAssertEqual(try api.request("447700900555", [("pin_code", "12")])["status"] as? String, "3")
        let started = try api.request("447700900555", [("pin_code", "8642"), ("workflow_id", "2")])
        XCTAssertEqual(started["status"] as? String, "0", "\(started)")
        let id = try XCTUnwrap(started["request_id"] as? String)
        XCTAssertEqual(server.lastPIN(to: "+447700900555"), "8642")
        let sealed = try server.app.database.read {
            try $0.queryOne("SELECT custom_code FROM verify_requests WHERE request_id = ?", [.text(id)])?.blob("custom_code")
        }
        XCTAssertNotNil(sealed)
        XCTAssertNil(String(decoding: sealed ?? [], as: UTF8.self).range(of: "8642"), "kept sealed, not as typed")
        server.clock.advance(seconds: 31)
        XCTAssertEqual(try api.control(id, "trigger_next_event")["status"] as? String, "0")
        XCTAssertEqual(server.messages().filter { $0["to"] == "+447700900555" }.count, 2)
        XCTAssertEqual(server.lastPIN(to: "+447700900555"), "8642", "the next event sends the same code")
        XCTAssertEqual(try api.check(id, "8642")["status"] as? String, "0")
        let after = try server.app.database.read {
            try $0.queryOne("SELECT custom_code FROM verify_requests WHERE request_id = ?", [.text(id)])?.blob("custom_code")
        }
        XCTAssertNil(after, "gone once the request ends")
    }
}
