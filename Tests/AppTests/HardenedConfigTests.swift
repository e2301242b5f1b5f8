@testable import App
import Foundation
import XCTest
import TestSupport

/// Start-up refuses weak settings (issue 13): outside production a missing SECRET_KEY_BASE is
/// generated into `secret_key_base` beside the database, and a secret shorter than 32
/// characters is refused, from the file as from the environment; BRAND_NAME follows the
/// Verify API's brand rule.
final class HardenedConfigTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "twofa-secret-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    var environment: [String: String] {
        ["APP_ROOT": Repository.root, "APP_ENV": "development", "DATABASE_URL": directory + "/db.sqlite3"]
    }

    func testGeneratedSecretIsLongAndPrivate() throws {
        let config = try AppConfig.load(environment: environment)
        XCTAssertGreaterThanOrEqual(config.secretKeyBase.utf8.count, 64)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/secret_key_base")
        XCTAssertEqual(attributes[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try AppConfig.load(environment: environment).secretKeyBase, config.secretKeyBase, "kept across starts")
    }

    func testShortSecretFileIsRefused() throws {
        try "0123456789abcdef0123456789abcde\n".write(toFile: directory + "/secret_key_base", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AppConfig.load(environment: environment)) { error in
            XCTAssertTrue("\(error)".contains("shorter than 32 characters"), "\(error)")
        }
        // 32 is enough.
        try "0123456789abcdef0123456789abcdef\n".write(toFile: directory + "/secret_key_base", atomically: true, encoding: .utf8)
        XCTAssertEqual(try AppConfig.load(environment: environment).secretKeyBase, "0123456789abcdef0123456789abcdef")
    }

    func testShortSecretFromTheEnvironmentIsRefused() {
        for env in ["development", "test"] {
            var environment = self.environment
            environment["APP_ENV"] = env
            environment["SECRET_KEY_BASE"] = String(repeating: "x", count: 31)
            XCTAssertThrowsError(try AppConfig.load(environment: environment), env) { error in
                XCTAssertTrue("\(error)".contains("at least 32 characters"), "\(error)")
            }
        }
    }

    func testBrandNameFollowsTheVerifyRule() {
        for (brand, expected) in [("A name far too long for SMS", "1 to 18"), ("Acme\u{202E}", "printable"),
                                  (String(repeating: "e\u{301}", count: 10), "1 to 18")] {
            var environment = self.environment
            environment["SECRET_KEY_BASE"] = String(repeating: "s", count: 64)
            environment["BRAND_NAME"] = brand
            XCTAssertThrowsError(try AppConfig.load(environment: environment), brand) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
