@testable import App
import Foundation
import XCTest
import TestSupport

/// PASSWORD_RESET_HOLD: a day by default, 0 turns the hold off, anything else out of range stops start-up.
final class PasswordResetConfigTests: XCTestCase {
    var base: [String: String] {
        ["APP_ROOT": Repository.root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
         "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
    }

    func testHoldDefaultsToADayAndIsValidated() throws {
        XCTAssertEqual(try AppConfig.load(environment: base).passwordResetHold, 86_400)
        for (value, expected) in [("0", 0), ("3600", 3600)] {
            var env = base
            env["PASSWORD_RESET_HOLD"] = value
            XCTAssertEqual(try AppConfig.load(environment: env).passwordResetHold, expected)
        }
        for value in ["-1", "a day", "2592001"] {
            var env = base
            env["PASSWORD_RESET_HOLD"] = value
            XCTAssertThrowsError(try AppConfig.load(environment: env), value) { error in
                XCTAssertTrue("\(error)".contains("PASSWORD_RESET_HOLD"), "\(value): \(error)")
            }
        }
    }

    func testHoldIsDescribedInWords() {
        XCTAssertEqual(PasswordResetsController.describe(86_400), "24 hours")
        XCTAssertEqual(PasswordResetsController.describe(3600), "1 hour")
        XCTAssertEqual(PasswordResetsController.describe(1200), "20 minutes")
    }
}
