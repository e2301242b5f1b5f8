@testable import App
import Foundation
import XCTest
import TestSupport

final class AppConfigTests: XCTestCase {
    let root = Repository.root
    var base: [String: String] {
        ["APP_ROOT": root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
    }

    func testEnvironmentOverridesTheFile() throws {
        var env = base
        env["PORT"] = "4567"; env["BCRYPT_COST"] = "10"; env["BRAND_NAME"] = "Acme"
        env["DATABASE_URL"] = "sqlite:///tmp/x.sqlite3"
        let config = try AppConfig.load(environment: env)
        XCTAssertEqual(config.port, 4567)
        XCTAssertEqual(config.bcryptCost, 10)
        XCTAssertEqual(config.brandName, "Acme")
        XCTAssertEqual(config.databasePath, "/tmp/x.sqlite3")
        XCTAssertEqual(config.sessionIdleTimeout, 1800)
        XCTAssertEqual(config.sessionLifetime, 43200)
    }

    func testInvalidValuesSayWhatIsWrong() {
        for (name, value, expected) in [("PORT", "70000", "between 0 and 65535"), ("BCRYPT_COST", "3", "between 4 and 31"),
                                        ("BRAND_NAME", "A name far too long for SMS", "1 to 18"),
                                        ("SMS_GATEWAY", "pigeon", "unknown"), ("LOG_LEVEL", "loud", "debug, info"),
                                        ("SECRET_KEY_BASE", "short", "at least 32"),
                                        ("SMS_COUNTRIES", "GB,UK", "\"UK\" is not an ISO 3166 country code"),
                                        ("VERIFY_MAX_SENDS_PER_HOUR", "-1", "VERIFY_MAX_SENDS_PER_HOUR")] {
            var env = base
            env[name] = value
            XCTAssertThrowsError(try AppConfig.load(environment: env), name) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }

    func testSMSCountriesAndTheBrake() throws {
        let plain = try AppConfig.load(environment: base)
        XCTAssertNil(plain.smsCountries.allowed, "every country by default")
        XCTAssertEqual(plain.verifyMaxSendsPerHour, 0, "the brake is off by default")
        var env = base
        env["SMS_COUNTRIES"] = "gb, US"
        env["VERIFY_MAX_SENDS_PER_HOUR"] = "500"
        let config = try AppConfig.load(environment: env)
        XCTAssertEqual(config.smsCountries.allowed, ["GB", "US"])
        XCTAssertEqual(config.verifyMaxSendsPerHour, 500)
    }

    func testSignUpLimitPerAddress() throws {
        let plain = try AppConfig.load(environment: base)
        XCTAssertEqual(plain.signupMaxPerIP, 10)
        XCTAssertEqual(plain.signupWindow, 3600)
        var env = base
        env["SIGNUP_MAX_PER_IP"] = "25"; env["SIGNUP_WINDOW"] = "600"
        let set = try AppConfig.load(environment: env)
        XCTAssertEqual(set.signupMaxPerIP, 25)
        XCTAssertEqual(set.signupWindow, 600)
        for (name, value) in [("SIGNUP_MAX_PER_IP", "0"), ("SIGNUP_MAX_PER_IP", "ten"), ("SIGNUP_WINDOW", "59")] {
            var env = base
            env[name] = value
            XCTAssertThrowsError(try AppConfig.load(environment: env), "\(name)=\(value)") { error in
                XCTAssertTrue("\(error)".contains(name), "\(name): \(error)")
            }
        }
    }

    func testRetentionSettings() throws {
        let plain = try AppConfig.load(environment: base)
        XCTAssertEqual(plain.verifyRetentionDays, 30)
        XCTAssertEqual(plain.auditRetentionDays, 365)
        XCTAssertEqual(plain.pruneInterval, 300)
        XCTAssertEqual(plain.pruneBatchSize, 500)
        var env = base
        env["VERIFY_RETENTION_DAYS"] = "7"; env["AUDIT_RETENTION_DAYS"] = "90"; env["PRUNE_INTERVAL"] = "60"; env["PRUNE_BATCH_SIZE"] = "50"
        let set = try AppConfig.load(environment: env)
        XCTAssertEqual([set.verifyRetentionDays, set.auditRetentionDays, set.pruneInterval, set.pruneBatchSize], [7, 90, 60, 50])
        env["PRUNE_BATCH_SIZE"] = "10000"
        XCTAssertEqual(try AppConfig.load(environment: env).pruneBatchSize, 10_000, "the largest batch allowed")
        XCTAssertEqual(plain.webhookGiveUp, 86_400)
        env["WEBHOOK_GIVE_UP"] = "3600"
        XCTAssertEqual(try AppConfig.load(environment: env).webhookGiveUp, 3_600)
        for (name, value) in [("VERIFY_RETENTION_DAYS", "0"), ("AUDIT_RETENTION_DAYS", "forever"), ("PRUNE_INTERVAL", "5"),
                              ("PRUNE_BATCH_SIZE", "0"), ("PRUNE_BATCH_SIZE", "10001"), ("WEBHOOK_GIVE_UP", "59"),
                              ("WEBHOOK_GIVE_UP", "604801"), ("WEBHOOK_GIVE_UP", "a day")] {
            var env = base
            env[name] = value
            XCTAssertThrowsError(try AppConfig.load(environment: env), "\(name)=\(value)") { error in
                XCTAssertTrue("\(error)".contains(name), "\(name): \(error)")
            }
        }
    }

    func testTrustedProxiesAndLogFormat() throws {
        let plain = try AppConfig.load(environment: base)
        XCTAssertEqual(plain.trustedProxies, [], "none by default")
        XCTAssertEqual(plain.logFormat, .text)
        XCTAssertTrue(plain.instanceName.hasSuffix(":\(getpid())"), plain.instanceName)

        var env = base
        env["TRUSTED_PROXIES"] = " 127.0.0.1, 10.0.0.0/8,::1 ,fd00::/8"
        env["LOG_FORMAT"] = "JSON"
        env["INSTANCE_NAME"] = "web-2"
        let config = try AppConfig.load(environment: env)
        XCTAssertEqual(config.trustedProxies.map(\.description), ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"])
        XCTAssertEqual(config.logFormat, .json)
        XCTAssertEqual(config.instanceName, "web-2")

        for (name, value, expected) in [("TRUSTED_PROXIES", "10.0.0.0/33", "\"10.0.0.0/33\" is not an IP address or CIDR"),
                                        ("TRUSTED_PROXIES", "proxy.local", "not an IP address"),
                                        ("TRUSTED_PROXIES", "127.0.0.1,,10.0.0.1", "empty entry"),
                                        ("TRUSTED_PROXIES", "127.0.0.1;10.0.0.1", "not an IP address"),
                                        ("LOG_FORMAT", "xml", "text or json")] {
            var env = base
            env[name] = value
            XCTAssertThrowsError(try AppConfig.load(environment: env), name) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }

    func testProductionRequiresSecretAndGateway() {
        var env = base
        env["APP_ENV"] = "production"
        env["SMS_GATEWAY"] = "outbox"
        env["SECRET_KEY_BASE"] = nil
        XCTAssertThrowsError(try AppConfig.load(environment: env)) { XCTAssertTrue("\($0)".contains("SECRET_KEY_BASE is required")) }
        env["SECRET_KEY_BASE"] = String(repeating: "p", count: 64)
        env["SMS_GATEWAY"] = nil
        XCTAssertThrowsError(try AppConfig.load(environment: env)) { XCTAssertTrue("\($0)".contains("no SMS gateway")) }
    }

    func testKeysDifferPerPurpose() {
        let keys = KeyGenerator(secretKeyBase: String(repeating: "k", count: 64))
        XCTAssertNotEqual(keys.key(for: "pin"), keys.key(for: "flash"))
        XCTAssertEqual(keys.key(for: "pin"), KeyGenerator(secretKeyBase: String(repeating: "k", count: 64)).key(for: "pin"))
    }
}
