import Foundation
import Security
import XCTest
import TestSupport

/// Starts a fresh server per test and offers the steps of the journey.
class IntegrationTestCase: XCTestCase {
    var server: TestServer!
    let password = "correct horse battery"

    /// Settings a subclass wants different from config/test.json.
    var environment: [String: String] { [:] }

    /// For tests of daily budgets, which count per UTC day: how far (seconds) the test moves the
    /// server's clock on. The budget is set on the real clock (the CLI, `APIKeyCommands`), so
    /// both clocks must stay within one day: a test that would start closer than that to UTC
    /// midnight starts just after it instead (CI once ran one at 23:59:30, and it failed).
    var staysWithinOneUTCDay: Int64? { nil }

    override func setUpWithError() throws {
        if let span = staysWithinOneUTCDay {
            let untilMidnight = 86_400 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
            if untilMidnight < Double(span + 10) { Thread.sleep(forTimeInterval: untilMidnight + 1) }
        }
        server = try TestServer(environment: environment)
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    @discardableResult
    func signUp(_ browser: Browser, username: String = "alice", number: String = "+44 7700 900123",
                password: String? = nil, confirmation: String? = nil) throws -> TestResponse {
        try browser.get("/user/new")
        let pw = password ?? self.password
        return try browser.post("/user", [("username", username), ("password", pw),
                                          ("password_confirmation", confirmation ?? pw), ("number", number)])
    }

    @discardableResult
    func logIn(_ browser: Browser, username: String = "alice", password: String? = nil) throws -> TestResponse {
        try browser.get("/session/new")
        return try browser.post("/session", [("username", username), ("password", password ?? self.password)])
    }

    @discardableResult
    func enterPIN(_ browser: Browser, _ pin: String) throws -> TestResponse {
        try browser.get("/verification/new")
        return try browser.post("/verification", [("code", pin)])
    }

    /// Signs up and enters the texted PIN: a fully verified browser.
    func verifiedUser(username: String = "alice", number: String = "+44 7700 900123") throws -> Browser {
        let browser = server.browser()
        let created = try signUp(browser, username: username, number: number)
        XCTAssertEqual(created.status, 303, created.body)
        let e164 = "+" + number.filter(\.isNumber)
        let pin = try XCTUnwrap(server.lastPIN(to: e164))
        let verified = try enterPIN(browser, pin)
        XCTAssertEqual(verified.location, "/")
        return browser
    }

    /// A visitor from its own loopback address (127.0.0.x), so per-account and per-IP limits can
    /// be told apart.
    func visitor(_ ip: String) -> Browser {
        let browser = server.browser()
        browser.sourceAddress = ip
        return browser
    }

    /// The outbox's messages to `number`, oldest first.
    func messages(to number: String) -> [[String: String]] { server.messages().filter { $0["to"] == number } }

    /// Asks for a passwordless code and waits for it to reach the outbox (it is asked for after
    /// the page has answered).
    @discardableResult
    func askForCode(_ browser: Browser, _ number: String) throws -> TestResponse {
        try browser.get("/passwordless/new")
        let response = try browser.post("/passwordless", [("number", number)])
        server.awaitDeliveries()
        return response
    }

    /// Asks "Forgot your password?" for `login` and waits for its code (sent after the page
    /// answered) to reach the outbox.
    @discardableResult
    func askForReset(_ browser: Browser, _ login: String) throws -> TestResponse {
        try browser.get("/password_reset/new")
        let response = try browser.post("/password_reset", [("login", login)])
        server.awaitDeliveries()
        return response
    }

    /// Turns the authenticator app on from a verified browser; returns its generator and the
    /// recovery codes. The clock then moves a step on, so the confirmation code's step is behind us.
    func turnOnApp(_ browser: Browser, password: String? = nil) throws -> (totp: TOTP, recoveryCodes: [String]) {
        let page = try browser.get("/user/totp/new")
        XCTAssertEqual(page.status, 200, page.body)
        let base32 = try XCTUnwrap(firstMatch(#"id="secret-key">([A-Z2-7 ]+)<"#, in: page.body), page.body)
            .replacingOccurrences(of: " ", with: "")
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(base32)))
        let done = try browser.post("/user/totp", [("current_password", password ?? self.password),
                                                   ("code", totp.code(at: server.clock.now()))])
        XCTAssertEqual(done.status, 200, done.body)
        let codes = allMatches(#"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>"#, in: done.body)
        XCTAssertEqual(codes.count, 10, done.body)
        server.clock.advance(seconds: 30)
        return (totp, codes)
    }

    /// The first group of the first match of `pattern` in `text` (`.` matches line ends too).
    func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
              let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(m.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    /// The first group of every match of `pattern` in `text`.
    func allMatches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @discardableResult
    func logOut(_ browser: Browser) throws -> TestResponse {
        try browser.get("/")
        return try browser.post("/session", [], method: "delete")
    }
}
