@testable import App
import Foundation
import XCTest
import TestSupport

/// WEBAUTHN_ORIGINS, WEBAUTHN_RP_ID, PASSKEY_LOGIN and PASSKEY_CLONE_POLICY (issue 17).
final class PasskeySettingsTests: XCTestCase {
    var base: [String: String] {
        ["APP_ROOT": Repository.root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
    }

    private func load(_ overrides: [String: String]) throws -> AppConfig {
        try AppConfig.load(environment: base.merging(overrides) { _, new in new })
    }

    func testDefaultsOutsideProduction() throws {
        let settings = try load([:]).passkeys
        XCTAssertEqual(settings.origins, ["http://localhost:3000"])
        XCTAssertEqual(settings.rpID, "localhost")
        XCTAssertFalse(settings.login)
        XCTAssertEqual(settings.clonePolicy, .warn)
        XCTAssertTrue(settings.enabled)
    }

    func testOriginsAndRPID() throws {
        let settings = try load(["WEBAUTHN_ORIGINS": "https://login.example.com, https://example.com:8443",
                                 "WEBAUTHN_RP_ID": "example.com", "PASSKEY_LOGIN": "on",
                                 "PASSKEY_CLONE_POLICY": "refuse"]).passkeys
        XCTAssertEqual(settings.origins, ["https://login.example.com", "https://example.com:8443"])
        XCTAssertEqual(settings.rpID, "example.com")
        XCTAssertTrue(settings.login)
        XCTAssertEqual(settings.clonePolicy, .refuse)
        // Written as the browser writes it: no default port, no trailing slash.
        XCTAssertEqual(try load(["WEBAUTHN_ORIGINS": "HTTPS://Login.Example.com:443/"]).passkeys.origins, ["https://login.example.com"])
        XCTAssertEqual(try load(["WEBAUTHN_ORIGINS": "http://localhost:80"]).passkeys.origins, ["http://localhost"])
        // The RP ID defaults to the first origin's host.
        XCTAssertEqual(try load(["WEBAUTHN_ORIGINS": "https://login.example.com"]).passkeys.rpID, "login.example.com")
    }

    func testInvalidSettingsStopStartUp() {
        for (overrides, expected) in [
            (["WEBAUTHN_ORIGINS": "http://login.example.com"], "plain HTTP"),
            (["WEBAUTHN_ORIGINS": "http://127.0.0.1:3000"], "IP address"),
            (["WEBAUTHN_ORIGINS": "https://127.0.0.1:3000"], "IP address"),
            (["WEBAUTHN_ORIGINS": "https://[::1]:3000"], "IP address"),
            (["WEBAUTHN_ORIGINS": "https://login.example.com", "WEBAUTHN_RP_ID": "10.0.0.1"], "IP address"),
            (["WEBAUTHN_ORIGINS": "https://login.example.com/path"], "no path"),
            (["WEBAUTHN_ORIGINS": "login.example.com"], "not an origin"),
            (["WEBAUTHN_ORIGINS": "https://a.example.com,"], "not an origin"),
            (["WEBAUTHN_ORIGINS": "https://example.org", "WEBAUTHN_RP_ID": "example.com"], "is not on example.com"),
            (["WEBAUTHN_ORIGINS": "https://badexample.com", "WEBAUTHN_RP_ID": "example.com"], "is not on example.com"),
            (["PASSKEY_CLONE_POLICY": "ignore"], "warn or refuse"),
            (["PASSKEY_LOGIN": "yes"], "on or off"),
        ] {
            XCTAssertThrowsError(try load(overrides), "\(overrides)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(overrides): \(error)")
            }
        }
    }

    func testProductionHasNoDefaultOrigin() throws {
        let production = ["APP_ENV": "production", "SMS_GATEWAY": "outbox"]
        let off = try load(production).passkeys
        XCTAssertFalse(off.enabled, "no passkeys until WEBAUTHN_ORIGINS is set")
        XCTAssertThrowsError(try load(production.merging(["PASSKEY_LOGIN": "on"]) { _, new in new })) {
            XCTAssertTrue("\($0)".contains("needs WEBAUTHN_ORIGINS"), "\($0)")
        }
        XCTAssertTrue(try load(production.merging(["WEBAUTHN_ORIGINS": "https://login.example.com"]) { _, new in new }).passkeys.enabled)
    }
}
