import App
import Foundation
import XCTest
import TestSupport

/// The Twilio Verify v2 face over real HTTP: services, verifications and checks in Twilio's
/// shapes, on the engine's state and limits (the same as the Vonage face's), and Twilio's errors.
final class TwilioVerifyTests: IntegrationTestCase {
    let number = "+447700900555"

    func wrong(_ pin: String) -> String { String(repeating: pin.first == "1" ? "2" : "1", count: pin.count) }

    func testServiceThenVerificationWrongAndRightCode() throws {
        let api = try TwilioAPIClient.create(on: server)
        XCTAssertNotNil(api.accountSID.range(of: "^AC[0-9a-f]{32}$", options: .regularExpression), api.accountSID)
        let service = try api.createService([("FriendlyName", "AcmeApp"), ("CodeLength", "8")])
        XCTAssertNotNil(service.range(of: "^VA[0-9a-f]{32}$", options: .regularExpression), service)
        let shown = try api.call("GET", "/v2/Services/\(service)")
        XCTAssertEqual(shown.status, 200)
        XCTAssertEqual(shown["code_length"] as? Int, 8)
        XCTAssertEqual(shown.string("account_sid"), api.accountSID)
        XCTAssertEqual(shown["custom_code_enabled"] as? Bool, false)
        let updated = try api.call("POST", "/v2/Services/\(service)", [("FriendlyName", "Acme"), ("CodeLength", "7")])
        XCTAssertEqual(updated.status, 200, "\(updated.json)")
        XCTAssertEqual(updated.string("friendly_name"), "Acme")
        let list = try api.call("GET", "/v2/Services")
        XCTAssertEqual((list["services"] as? [[String: Any]])?.map { $0["sid"] as? String }, [service])
        XCTAssertEqual((list["meta"] as? [String: Any])?["key"] as? String, "services")

        let started = try api.start(service, to: number)
        XCTAssertEqual(started.status, 201, "\(started.json)")
        XCTAssertEqual(started.string("status"), "pending")
        XCTAssertEqual(started["valid"] as? Bool, false)
        XCTAssertEqual(started.string("to"), number)
        XCTAssertEqual(started.string("channel"), "sms")
        XCTAssertEqual(started.string("service_sid"), service)
        let sid = try XCTUnwrap(started.string("sid"))
        XCTAssertNotNil(sid.range(of: "^VE[0-9a-f]{32}$", options: .regularExpression), sid)
        let created = try XCTUnwrap(started.string("date_created"))
        XCTAssertNotNil(created.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression), created)
        XCTAssertEqual((started["send_code_attempts"] as? [[String: Any]])?.count, 1)
        let sms = try XCTUnwrap(server.messages().last)
        XCTAssertTrue(sms["body"]?.hasPrefix("Your Acme code is ") == true, sms["body"] ?? "")
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(pin.count, 7, "the service's CodeLength")

        let fetched = try api.call("GET", "/v2/Services/\(service)/Verifications/\(sid)")
        XCTAssertEqual(fetched.string("status"), "pending")

        let bad = try api.check(service, code: wrong(pin), to: number)
        XCTAssertEqual(bad.status, 200, "a wrong code is answered 200, still pending")
        XCTAssertEqual(bad.string("status"), "pending")
        XCTAssertEqual(bad["valid"] as? Bool, false)
        let good = try api.check(service, code: pin, to: number)
        XCTAssertEqual(good.status, 200)
        XCTAssertEqual(good.string("status"), "approved")
        XCTAssertEqual(good["valid"] as? Bool, true)
        XCTAssertEqual(good.string("sid"), sid)

        let gone = try api.call("GET", "/v2/Services/\(service)/Verifications/\(sid)")
        XCTAssertEqual(gone.status, 404, "an approved verification is gone, as on Twilio")
        XCTAssertEqual(gone.code, 20404)
        XCTAssertEqual(gone["status"] as? Int, 404)
        XCTAssertNotNil(gone.string("more_info"))
        XCTAssertEqual(try api.check(service, code: pin, sid: sid).status, 404)

        XCTAssertEqual(try api.call("DELETE", "/v2/Services/\(service)").status, 204)
        XCTAssertEqual(try api.call("GET", "/v2/Services/\(service)").code, 20404)
    }

    func testCredentialsAndOtherAccountsServices() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        let wrongToken = try api.call("GET", "/v2/Services", credentials: (api.accountSID, String(repeating: "0", count: 32)))
        XCTAssertEqual(wrongToken.status, 401)
        XCTAssertEqual(wrongToken.code, 20003)
        // A Vonage-style key is not an account SID.
        let vonage = try VerifyAPIClient.create(on: server)
        XCTAssertEqual(try api.call("GET", "/v2/Services", credentials: (vonage.apiKey, vonage.apiSecret)).status, 401)

        let other = try TwilioAPIClient.create(on: server, name: "other")
        XCTAssertEqual(try other.call("GET", "/v2/Services/\(service)").code, 20404, "another account's service is unknown")
        XCTAssertEqual(try other.start(service, to: number).code, 20404)
        XCTAssertEqual((try other.call("GET", "/v2/Services")["services"] as? [Any])?.count, 0)
        XCTAssertTrue(server.messages().isEmpty)
        XCTAssertEqual(try server.metric(#"twofa_refusals_total{reason="twilio_20003"}"#), 2)
    }

    func testInvalidParametersAreNamed() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        func refused(_ answer: TwilioAPIClient.Answer, _ name: String, line: UInt = #line) {
            XCTAssertEqual(answer.status, 400, line: line)
            XCTAssertEqual(answer.code, 60200, line: line)
            XCTAssertEqual(answer.string("message"), "Invalid parameter: \(name)", line: line)
        }
        refused(try api.call("POST", "/v2/Services", [("FriendlyName", "")]), "FriendlyName")
        refused(try api.call("POST", "/v2/Services", [("CodeLength", "6")]), "FriendlyName")
        refused(try api.call("POST", "/v2/Services", [("FriendlyName", "A"), ("CodeLength", "11")]), "CodeLength")
        refused(try api.call("POST", "/v2/Services", [("FriendlyName", "A"), ("CustomCodeEnabled", "yes")]), "CustomCodeEnabled")
        refused(try api.start(service, to: "not a number"), "To")
        refused(try api.start(service, to: number, channel: "email"), "To")   // a number is no address
        refused(try api.start(service, to: number, channel: "whatsapp"), "Channel")
        refused(try api.start(service, to: number, [("CustomFriendlyName", "\u{202E}evil")]), "CustomFriendlyName")
        refused(try api.check(service, code: "12a4", to: number), "Code")
        refused(try api.check(service, code: "1234"), "To")
        XCTAssertTrue(server.messages().isEmpty, "nothing was sent for a bad request")
        XCTAssertEqual(try server.metric(#"twofa_refusals_total{reason="twilio_60200"}"#), 10)
    }

    func testCancelAtOnceAndCallChannel() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        let started = try api.start(service, to: number, channel: "call")
        XCTAssertEqual(started.string("channel"), "call")
        XCTAssertEqual(server.messages().last?["channel"], "voice")
        let sid = try XCTUnwrap(started.string("sid"))
        // Twilio cancels at once; the Vonage face's 30-second rule is Vonage's.
        let canceled = try api.call("POST", "/v2/Services/\(service)/Verifications/\(sid)", [("Status", "canceled")])
        XCTAssertEqual(canceled.status, 200, "\(canceled.json)")
        XCTAssertEqual(canceled.string("status"), "canceled")
        XCTAssertEqual(try api.call("GET", "/v2/Services/\(service)/Verifications/\(sid)").code, 20404)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        XCTAssertEqual(try api.check(service, code: pin, to: number).code, 20404, "a canceled code no longer works")
        let other = try XCTUnwrap(try api.start(service, to: number).string("sid"))
        let approve = try api.call("POST", "/v2/Services/\(service)/Verifications/\(other)", [("Status", "approved")])
        XCTAssertEqual(approve.code, 60200, "only a custom code's verification is approved without a code")
    }

    func testEmailChannelSendsTheCodeByEmailAndChecksByAddress() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService([("FriendlyName", "AcmeApp")])
        let address = "ann@Example.COM"
        let started = try api.start(service, to: address, channel: "email")
        XCTAssertEqual(started.status, 201, "\(started.json)")
        XCTAssertEqual(started.string("channel"), "email")
        XCTAssertEqual(started.string("to"), "ann@example.com", "the domain is kept lowercased")
        let mail = try XCTUnwrap(server.messages().last)
        XCTAssertEqual(mail["channel"], "email")
        XCTAssertEqual(mail["to"], "ann@example.com")
        let pin = try XCTUnwrap(server.lastPIN(to: "ann@example.com"))
        XCTAssertEqual(try api.check(service, code: wrong(pin), to: "ann@example.com").string("status"), "pending")
        let good = try api.check(service, code: pin, to: "ann@example.com")
        XCTAssertEqual(good.string("status"), "approved", "\(good.json)")
        XCTAssertEqual(good.string("channel"), "email")
        // The e-mail says what the text would have, in the verification's language.
        XCTAssertEqual(try api.start(service, to: "bob@example.com", channel: "email", [("Locale", "de")]).status, 201)
        let german = try XCTUnwrap(server.messages().last)
        XCTAssertTrue(german["body"]?.hasPrefix("Ihr Code für AcmeApp lautet ") == true, german["body"] ?? "")
    }

    func testTooManyWrongCodes() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        let sid = try XCTUnwrap(try api.start(service, to: number).string("sid"))
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        // PIN_MAX_ATTEMPTS (3 in the tests) wrong codes, the engine's limit behind every face.
        XCTAssertEqual(try api.check(service, code: wrong(pin), sid: sid).string("status"), "pending")
        XCTAssertEqual(try api.check(service, code: wrong(pin), sid: sid).string("status"), "pending")
        let last = try api.check(service, code: wrong(pin), sid: sid)
        XCTAssertEqual(last.status, 429)
        XCTAssertEqual(last.code, 60202)
        XCTAssertEqual(try api.check(service, code: pin, sid: sid).code, 60202, "the right code is too late")
        XCTAssertEqual(try api.call("GET", "/v2/Services/\(service)/Verifications/\(sid)").code, 20404)
    }

    func testResendReplacesAndTheNumbersSendLimitHolds() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        let first = try XCTUnwrap(try api.start(service, to: number).string("sid"))
        let oldPIN = try XCTUnwrap(server.lastPIN(to: number))
        let second = try api.start(service, to: number)
        XCTAssertEqual(second.status, 201)
        let sid = try XCTUnwrap(second.string("sid"))
        XCTAssertNotEqual(sid, first, "a new code is a new verification")
        XCTAssertEqual(try api.call("GET", "/v2/Services/\(service)/Verifications/\(first)").code, 20404)
        XCTAssertEqual(try api.start(service, to: number).status, 201)
        // VERIFY_MAX_SENDS_PER_NUMBER (3 in the tests) per VERIFY_SEND_WINDOW.
        let refused = try api.start(service, to: number)
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.code, 60203)
        XCTAssertEqual(server.messages().filter { $0["to"] == number }.count, 3)
        let pin = try XCTUnwrap(server.lastPIN(to: number))
        if pin != oldPIN { XCTAssertEqual(try api.check(service, code: oldPIN, to: number).string("status"), "pending") }
        XCTAssertEqual(try api.check(service, code: pin, to: number).string("status"), "approved")
    }

    func testConcurrentRequestsOfTheSameAccountAcrossServicesAndFaces() throws {
        let api = try TwilioAPIClient.create(on: server)
        let a = try api.createService(), b = try api.createService()
        XCTAssertEqual(try api.start(a, to: number).status, 201)
        let other = try api.start(b, to: number)
        XCTAssertEqual(other.status, 429)
        XCTAssertEqual(other.code, 60212, "another service's pending verification holds the number")
        // The same credentials on the Vonage face see one live request to the number.
        let vonage = VerifyAPIClient(port: server.port, apiKey: api.accountSID, apiSecret: api.authToken)
        XCTAssertEqual(try vonage.request(String(number.dropFirst()))["status"] as? String, "10")
        // Another account is another client: its starts are its own.
        let stranger = try TwilioAPIClient.create(on: server, name: "stranger")
        XCTAssertEqual(try stranger.start(try stranger.createService(), to: number).status, 201)
        // Deleting a service cancels what it had pending, so the number is free again.
        XCTAssertEqual(try api.call("DELETE", "/v2/Services/\(a)").status, 204)
        XCTAssertEqual(try api.start(b, to: number).status, 201)
    }
}

/// The face's note on a request goes with the request (VERIFY_RETENTION_DAYS after it ended).
final class TwilioRetentionTests: IntegrationTestCase {
    func testTheNoteGoesWithItsRequest() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        XCTAssertEqual(try api.start(service, to: "+447700900201").status, 201)
        XCTAssertEqual(try api.start(service, to: "+447700900202").status, 201)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900202"))
        XCTAssertEqual(try api.check(service, code: pin, to: "+447700900202").string("status"), "approved")
        server.clock.advance(seconds: 31 * 86_400)
        let report = try server.prune()
        XCTAssertEqual(report.rows("verify_requests"), 1, "\(report)")
        XCTAssertEqual(report.rows("twilio_verifications"), 1, "\(report)")
        let left = try server.app.database.read { try $0.queryOne("SELECT count(*) AS n FROM twilio_verifications")?.int("n") }
        XCTAssertEqual(left, 1, "the pending one's note stays with it")
    }
}

/// SMS_COUNTRIES on the Twilio face: Twilio's 60605 (geo permissions), before any send.
final class TwilioDestinationCountryTests: IntegrationTestCase {
    override var environment: [String: String] { ["SMS_COUNTRIES": "GB"] }

    func testAnotherCountryIsBlocked() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        let blocked = try api.start(service, to: "+12125550123")
        XCTAssertEqual(blocked.status, 403)
        XCTAssertEqual(blocked.code, 60605)
        XCTAssertTrue(server.messages().isEmpty)
        XCTAssertEqual(try api.start(service, to: "+447700900555").status, 201)
    }
}

/// Twilio's Locale, Amount and Payee: the same texts and rules as `lg` and `/verify/psd2/json`.
final class TwilioLocaleAndPSD2Tests: IntegrationTestCase {
    func testLocaleOrTheNumbersCountry() throws {
        let api = try TwilioAPIClient.create(on: server)
        let service = try api.createService()
        XCTAssertEqual(try api.start(service, to: "+447700900555", [("Locale", "pt-BR")]).status, 201)
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Seu código AcmeApp é "), true, "\(server.messages().last ?? [:])")
        XCTAssertEqual(try api.start(service, to: "+34612345678", channel: "call").status, 201)
        XCTAssertEqual(server.messages().last?["body"]?.hasPrefix("Tu código de AcmeApp es "), true, "a Spanish number")
        let refused = try api.start(service, to: "+447700900556", [("Locale", "tlh")])
        XCTAssertEqual(refused.code, 60200)
        XCTAssertEqual(refused.string("message"), "Invalid parameter: Locale")
    }

    func testAmountAndPayeeOnAPSD2Service() throws {
        let api = try TwilioAPIClient.create(on: server)
        let plain = try api.createService()
        XCTAssertEqual(try api.start(plain, to: "+447700900555", [("Amount", "9.99"), ("Payee", "Shop")]).code, 60200,
                       "Amount needs Psd2Enabled")
        let psd2 = try api.createService([("FriendlyName", "Bank"), ("Psd2Enabled", "true")])
        let started = try api.start(psd2, to: "+447700900555", [("Amount", "€9.99"), ("Payee", "Shop")])
        XCTAssertEqual(started.status, 201, "\(started.json)")
        XCTAssertEqual(started.string("amount"), "9.99")
        XCTAssertEqual(started.string("payee"), "Shop")
        XCTAssertTrue(server.messages().last?["body"]?.hasPrefix("Your code to pay €9.99 to Shop is ") == true)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900555"))
        XCTAssertEqual(try api.call("POST", "/v2/Services/\(psd2)/VerificationCheck", [("Code", pin), ("To", "+447700900555")]).code,
                       60200, "the check names the payment")
        XCTAssertEqual(try api.call("POST", "/v2/Services/\(psd2)/VerificationCheck",
                                    [("Code", pin), ("To", "+447700900555"), ("Amount", "9.99"), ("Payee", "Other")]).code, 60200)
        let ok = try api.call("POST", "/v2/Services/\(psd2)/VerificationCheck",
                              [("Code", pin), ("To", "+447700900555"), ("Amount", "9.99"), ("Payee", "Shop")])
        XCTAssertEqual(ok.string("status"), "approved", "\(ok.json)")
    }
}

/// Custom codes: only a client allowed them (`api-keys custom-codes KEY on`), and on Twilio only
/// under a service with CustomCodeEnabled; such a verification may be approved by the client.
final class TwilioCustomCodeTests: IntegrationTestCase {
    func testCustomCodeNeedsTheServiceAndThePermission() throws {
        let api = try TwilioAPIClient.create(on: server)
        let plain = try api.createService()
        let custom = try api.createService([("FriendlyName", "AcmeApp"), ("CustomCodeEnabled", "true")])
        XCTAssertEqual(try api.start(custom, to: "+447700900555", [("CustomCode", "424242")]).code, 60200, "the client is not allowed")
        XCTAssertTrue(try APIKeyCommands.customCodes(server.app.config, apiKey: api.accountSID, allowed: true))
        XCTAssertEqual(try api.start(plain, to: "+447700900555", [("CustomCode", "424242")]).code, 60200, "the service does not allow")
        XCTAssertTrue(server.messages().isEmpty)
        let started = try api.start(custom, to: "+447700900555", [("CustomCode", "424242")])
        XCTAssertEqual(started.status, 201, "\(started.json)")
        XCTAssertEqual(server.lastPIN(to: "+447700900555"), "424242")
        let sid = try XCTUnwrap(started.string("sid"))
        let approved = try api.call("POST", "/v2/Services/\(custom)/Verifications/\(sid)", [("Status", "approved")])
        XCTAssertEqual(approved.string("status"), "approved", "\(approved.json)")
        XCTAssertEqual(try api.call("GET", "/v2/Services/\(custom)/Verifications/\(sid)").code, 20404)
    }
}
