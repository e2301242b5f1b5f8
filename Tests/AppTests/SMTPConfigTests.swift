@testable import App
import Foundation
import Messaging
import XCTest
import TestSupport

/// SMTP_URL / SMTP_FROM / SMTP_CA_FILE (issue 16): parsed and checked at start-up, never echoing the password.
final class SMTPConfigTests: XCTestCase {
    var base: [String: String] {
        ["APP_ROOT": Repository.root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
    }

    func testUnsetMeansNoSMTP() throws {
        XCTAssertNil(try AppConfig.load(environment: base).smtp)
    }

    func testAURLWithItsSender() throws {
        var env = base
        env["SMTP_URL"] = "smtps://mailer:s3cr%2Ft@mail.example.com"
        env["SMTP_FROM"] = "codes@example.com"
        env["BRAND_NAME"] = "Acme"
        let smtp = try XCTUnwrap(try AppConfig.load(environment: env).smtp)
        XCTAssertEqual(smtp, SMTPSettings(host: "mail.example.com", port: 465, username: "mailer", password: "s3cr/t",
                                          security: .implicitTLS, from: "codes@example.com", fromName: "Acme"))
    }

    func testInvalidSettingsStopStartUpWithoutShowingThePassword() {
        let cases: [([String: String], String)] = [
            (["SMTP_URL": "smtp://u:hunter22@mail.example.com"], "SMTP_FROM is required"),
            (["SMTP_URL": "imap://u:hunter22@mail.example.com", "SMTP_FROM": "a@b.co"], "smtp:// or smtps://"),
            (["SMTP_URL": "smtp://u:hunter22@mail.example.com", "SMTP_FROM": "not an address"], "SMTP_FROM must be an e-mail address"),
            (["SMTP_URL": "smtp://u:hunter22@mail.example.com", "SMTP_FROM": "a@b.co", "SMTP_CA_FILE": "/nonexistent/ca.pem"],
             "SMTP_CA_FILE: cannot read"),
            (["SMTP_URL": "smtp://u:hunter22@mail.example.com?tls=maybe", "SMTP_FROM": "a@b.co"], "unknown option"),
        ]
        for (extra, expected) in cases {
            XCTAssertThrowsError(try AppConfig.load(environment: base.merging(extra) { $1 }), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
                XCTAssertFalse("\(error)".contains("hunter22"), "\(error)")
            }
        }
    }
}
