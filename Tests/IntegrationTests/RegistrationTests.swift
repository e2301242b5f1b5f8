import Foundation
import Support
import XCTest

/// Sign-up validations, uniqueness and races.
final class RegistrationTests: IntegrationTestCase {
    /// Sixteen sign-ups race from one address below: more than SIGNUP_MAX_PER_IP's default
    /// (that limit has its own tests in AccountEnumerationTests).
    override var environment: [String: String] { ["SIGNUP_MAX_PER_IP": "100"] }

    func testAcceptedNumberFormatsAreStoredAsE164() throws {
        for (typed, stored, name) in [("447700900001", "+447700900001", "user1"), ("(+1) 202-555-0123", "+12025550123", "user2")] {
            let browser = server.browser()
            XCTAssertEqual(try signUp(browser, username: name, number: typed).location, "/verification/new")
            XCTAssertNotNil(server.lastPIN(to: stored), "PIN texted to \(stored)")
        }
    }

    func testFieldErrorsKeepInputButNeverThePassword() throws {
        let browser = server.browser()
        let bad = try signUp(browser, username: "x", number: "07700 900000", password: "short", confirmation: "short")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.body.contains(#"id="username-error""#))
        XCTAssertTrue(bad.body.contains(#"id="password-error""#))
        XCTAssertTrue(bad.body.contains("Start with the country code"))
        XCTAssertTrue(bad.body.contains(#"value="07700 900000""#), "the number typed is kept")
        XCTAssertFalse(bad.body.contains(#"value="short""#), "the password is never sent back")
        XCTAssertTrue(server.messages().isEmpty)
    }

    func testPasswordRules() throws {
        let browser = server.browser()
        let tooLong = String(repeating: "é", count: 37)   // 74 bytes, 37 characters
        let long = try signUp(browser, password: tooLong)
        XCTAssertEqual(long.status, 422)
        XCTAssertTrue(long.body.contains("at most 72 bytes"), long.body)

        let mismatch = try signUp(browser, password: "long enough one", confirmation: "long enough two")
        XCTAssertTrue(mismatch.body.contains("don&#39;t match"))
        XCTAssertTrue(mismatch.body.contains(#"id="password_confirmation-error""#))

        let exactly72 = String(repeating: "a", count: 72)
        XCTAssertEqual(try signUp(browser, password: exactly72).location, "/verification/new")
    }

    func testPhoneNumberErrors() throws {
        let cases = [("+44 77OO 900000", "Use only digits"), ("+44 770", "too short"),
                     ("+44 7700 900000 12345", "too long"), ("0044 7700 900000", "country code")]
        for (typed, message) in cases {
            let page = try signUp(server.browser(), number: typed)
            XCTAssertEqual(page.status, 422, typed)
            XCTAssertTrue(page.body.contains(message), "\(typed): expected “\(message)”")
        }
    }

    /// (A number that has an account is answered like any other: AccountEnumerationTests.)
    func testDuplicateUsername() throws {
        _ = try verifiedUser(username: "Carol", number: "+44 7700 900555")
        let sameName = try signUp(server.browser(), username: "carol", number: "+44 7700 900556")
        XCTAssertEqual(sameName.status, 422)
        XCTAssertTrue(sameName.body.contains("That username is taken"))
    }

    func testSixteenConcurrentSignUpsOfOneUsername() throws {
        let browsers = (0..<16).map { _ in server.browser() }
        for b in browsers { try b.get("/user/new") }
        let lock = NSLock()
        var statuses: [Int] = []
        var bodies: [String] = []
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let number = "+4477009002\(String(format: "%02d", i))"
            let response = try? browsers[i].post("/user", [("username", "racer"), ("password", password),
                                                           ("password_confirmation", password), ("number", number)])
            lock.lock()
            statuses.append(response?.status ?? -1)
            bodies.append(response?.body ?? "")
            lock.unlock()
        }
        XCTAssertEqual(statuses.filter { $0 == 303 }.count, 1, "exactly one wins: \(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 422 }.count, 15, "the rest get the form error: \(statuses)")
        XCTAssertEqual(bodies.filter { $0.contains("That username is taken") }.count, 15)
        XCTAssertEqual(server.messages().count, 1)
    }

    func testLogsNeverHoldSecrets() throws {
        let lock = NSLock()
        var lines: [String] = []
        Log.redirect { line in lock.lock(); lines.append(line); lock.unlock() }
        defer { Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }

        let browser = server.browser()
        try signUp(browser, username: "erin", number: "+44 7700 900777")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900777"))
        try enterPIN(browser, pin)
        try browser.get("/")
        try logOut(browser)
        try logIn(browser, username: "erin", password: "wrong password!")

        lock.lock(); let all = lines.joined(separator: "\n"); lock.unlock()
        XCTAssertTrue(all.contains("POST /user 303"), "access log line per request:\n\(all)")
        XCTAssertTrue(all.contains("+44 ••••••• 777"), "the outbox line names the masked number")
        for secret in [password, "wrong password!", pin, "447700900777", browser.cookies["twofa_csrf"] ?? "∅"] {
            XCTAssertFalse(all.contains(secret), "log contains a secret: \(secret)")
        }
    }
}
