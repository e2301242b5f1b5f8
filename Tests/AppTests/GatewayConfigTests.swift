@testable import App
import Foundation
import Messaging
import XCTest
import TestSupport

/// SMS_GATEWAY / VOICE_GATEWAY and the provider credentials (environment only).
final class GatewayConfigTests: XCTestCase {
    let root = Repository.root
    var base: [String: String] {
        ["APP_ROOT": root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
    }
    let twilio = ["TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": "tok-secret-1",
                  "TWILIO_FROM": "+15005550006"]

    private func load(_ extra: [String: String]) throws -> AppConfig {
        try AppConfig.load(environment: base.merging(extra) { $1 })
    }

    private func assertRefused(_ extra: [String: String], _ expected: [String], line: UInt = #line) {
        XCTAssertThrowsError(try load(extra), line: line) { error in
            for text in expected { XCTAssertTrue("\(error)".contains(text), "\(error) lacks \(text)", line: line) }
        }
    }

    func testVoiceFollowsSMSUnlessSet() throws {
        XCTAssertEqual(try load([:]).voiceGateway, .outbox)
        let config = try load(twilio.merging(["SMS_GATEWAY": "twilio"]) { $1 })
        XCTAssertEqual(config.voiceGateway, .twilio)
        XCTAssertTrue(try GatewayFactory.sms(config) is TwilioGateway)
        XCTAssertTrue(try GatewayFactory.voice(config) is TwilioGateway)
        let split = try load(twilio.merging(["SMS_GATEWAY": "twilio", "VOICE_GATEWAY": "outbox"]) { $1 })
        XCTAssertTrue(try GatewayFactory.voice(split) is OutboxGateway)
        XCTAssertFalse("\(split.gateways)".contains("tok-secret-1"), "\(split.gateways)")
    }

    func testMissingCredentialsAreAllNamed() {
        assertRefused(["SMS_GATEWAY": "twilio"], ["SMS_GATEWAY=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM"])
        assertRefused(["SMS_GATEWAY": "vonage", "VONAGE_API_KEY": "abcd1234"], ["VONAGE_API_SECRET, VONAGE_FROM"])
        // SMS credentials alone don't do for calls, and the message says why calls are vonage too.
        assertRefused(["SMS_GATEWAY": "vonage", "VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET": "sec", "VONAGE_FROM": "+447700900999"],
                      ["VOICE_GATEWAY=vonage needs VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY_PATH", "defaults to SMS_GATEWAY"])
        assertRefused(["VOICE_GATEWAY": "carrier-pigeon"], ["VOICE_GATEWAY \"carrier-pigeon\" is unknown"])
    }

    func testUnknownGatewayNamesAreRefusedWithTheKnownOnes() {
        // Names are exact: a capitalised one is as unknown as a made-up one.
        for (setting, name) in [("SMS_GATEWAY", "Twilio"), ("VOICE_GATEWAY", "carrier-pigeon")] {
            XCTAssertThrowsError(try load([setting: name])) { error in
                XCTAssertEqual("\(error)", "\(setting) \"\(name)\" is unknown (known: outbox, twilio, vonage)")
            }
        }
    }

    func testBadValuesAreRefused() {
        let sms = twilio.merging(["SMS_GATEWAY": "twilio"]) { $1 }
        assertRefused(sms.merging(["TWILIO_ACCOUNT_SID": "AC../../x"]) { $1 }, ["TWILIO_ACCOUNT_SID must look like"])
        assertRefused(sms.merging(["TWILIO_FROM": "MG0123"]) { $1 }, ["TWILIO_FROM to be a phone number"])
        assertRefused(sms.merging(["TWILIO_BASE_URL": "ftp://x"]) { $1 }, ["TWILIO_BASE_URL must be an http(s) URL"])
        assertRefused(sms.merging(["APP_ENV": "production", "TWILIO_BASE_URL": "http://127.0.0.1:9"]) { $1 },
                      ["TWILIO_BASE_URL must use https in production"])
        assertRefused(["SMS_GATEWAY": "outbox", "VOICE_GATEWAY": "vonage", "VONAGE_APPLICATION_ID": "app",
                       "VONAGE_FROM": "+447700900999", "VONAGE_PRIVATE_KEY_PATH": "/nonexistent/key.pem"],
                      ["VONAGE_PRIVATE_KEY_PATH: cannot read /nonexistent/key.pem"])
    }

    func testVonageVoiceLoadsItsKeyAtStartUp() throws {
        let directory = NSTemporaryDirectory() + "twofa-gateway-config-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/test-only-rsa.pem"
        let openssl = try Subprocess.run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key])
        XCTAssertEqual(openssl.status, 0, openssl.err)

        let vonage = ["VOICE_GATEWAY": "vonage", "VONAGE_APPLICATION_ID": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
                      "VONAGE_FROM": "+447700900999", "VONAGE_PRIVATE_KEY_PATH": key]
        let config = try load(vonage)
        XCTAssertTrue(try GatewayFactory.sms(config) is OutboxGateway)
        XCTAssertTrue(try GatewayFactory.voice(config) is VonageVoiceGateway)

        let notAKey = directory + "/not-a-key.pem"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: notAKey))
        let broken = try load(vonage.merging(["VONAGE_PRIVATE_KEY_PATH": notAKey]) { $1 })
        XCTAssertThrowsError(try GatewayFactory.voice(broken)) { error in
            XCTAssertTrue(error is ConfigError && "\(error)".contains("VONAGE_PRIVATE_KEY_PATH"), "\(error)")
        }
    }
}
