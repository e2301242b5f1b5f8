@testable import App
import Foundation
import XCTest
import TestSupport

/// VERIFY_ENGINE: builtin, or vonage with the Vonage API key and secret from the environment.
final class VerifyEngineConfigTests: XCTestCase {
    let root = Repository.root
    var base: [String: String] {
        ["APP_ROOT": root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3", "VERIFY_ENGINE": "vonage"]
    }
    let keys = ["VONAGE_API_KEY": "abcd1234", "VONAGE_API_SECRET": "verify-secret-9"]

    private func load(_ extra: [String: String]) throws -> AppConfig {
        try AppConfig.load(environment: base.merging(extra) { $1 })
    }

    private func refusal(_ extra: [String: String]) -> String {
        do {
            _ = try load(extra)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func testVonageNeedsKeyAndSecret() throws {
        XCTAssertEqual(refusal([:]), "VERIFY_ENGINE=vonage needs VONAGE_API_KEY, VONAGE_API_SECRET in the environment")
        XCTAssertEqual(refusal(["VONAGE_API_KEY": "abcd1234"]), "VERIFY_ENGINE=vonage needs VONAGE_API_SECRET in the environment")
        XCTAssertEqual(try load(keys).verifyEngine, .vonage)
        XCTAssertFalse("\(try load(keys).gateways)".contains("verify-secret-9"), "the secret is never shown")
    }

    func testVonageBaseURLIsChecked() throws {
        XCTAssertEqual(refusal(keys.merging(["VONAGE_API_BASE_URL": "ftp://example.com"]) { $1 }),
                       "VONAGE_API_BASE_URL must be an http(s) URL like https://api.example.com (got \"ftp://example.com\")")
        XCTAssertEqual(refusal(keys.merging(["VONAGE_API_BASE_URL": "http://127.0.0.1:9", "APP_ENV": "production",
                                             "SMS_GATEWAY": "outbox"]) { $1 }),
                       "VONAGE_API_BASE_URL must use https in production")
        XCTAssertEqual(try load(keys.merging(["VONAGE_API_BASE_URL": "http://127.0.0.1:9"]) { $1 }).gateways.vonageAPIBaseURL,
                       "http://127.0.0.1:9")
    }

    func testUnknownEngineIsRefused() {
        XCTAssertEqual(refusal(["VERIFY_ENGINE": "twilio"]), "VERIFY_ENGINE must be builtin or vonage (got \"twilio\")")
        XCTAssertEqual(refusal(["VERIFY_ENGINE": "builtin"]), "accepted")
    }
}
