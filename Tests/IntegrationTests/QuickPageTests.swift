import App
import Database
import HTTP
import XCTest
import TestSupport

/// Quick pages (answered on the event loop) that turn out to need a write: the loop's
/// attempt trips `BlockingGuard` at the write, and a worker answers instead, once.
final class QuickPageTests: IntegrationTestCase {
    private func sessionRows(_ username: String = "alice") throws -> [Row] {
        try server.app.database.read {
            try $0.query("SELECT s.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?", [.text(username)])
        }
    }

    func testHomeIsAQuickPage() {
        // Otherwise the tests below would not go through the loop at all.
        XCTAssertTrue(server.app.answersOnEventLoop(HTTPRequest(method: "GET", target: "/")))
        XCTAssertTrue(server.app.answersOnEventLoop(HTTPRequest(method: "GET", target: "/user/sessions")))
    }

    func testPageViewThatRecordsLastSeenIsServedOnceAndWritesIt() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try browser.get("/").status, 200)
        let before = try XCTUnwrap(try sessionRows().first?.int64("last_seen_at"))

        server.clock.advance(seconds: 61)   // last seen over a minute ago: this view writes
        let logged = LogCapture()
        logged.start()
        defer { logged.stop() }
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200, home.body)
        XCTAssertTrue(home.body.contains("alice"), home.body)
        let after = try XCTUnwrap(try sessionRows().first?.int64("last_seen_at"))
        XCTAssertEqual(after, server.clock.now())
        XCTAssertEqual(after, before + 61)
        XCTAssertEqual(logged.lines.filter { $0.contains(" GET / ") }.count, 1, "answered once: \(logged.lines)")
        XCTAssertFalse(logged.lines.contains { $0.contains("ERROR") }, "\(logged.lines)")

        // Within the minute the next view doesn't write, and still sees the session.
        server.clock.advance(seconds: 5)
        XCTAssertEqual(try browser.get("/user/sessions").status, 200)
        XCTAssertEqual(try sessionRows().first?.int64("last_seen_at"), after)
    }

    func testIdleSessionOnAQuickPageIsEndedAndSentToLogin() throws {
        let browser = try verifiedUser()
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertEqual(try sessionRows().count, 1)
        server.clock.advance(seconds: Int64(server.app.config.sessionIdleTimeout) + 1)
        let home = try browser.get("/")
        XCTAssertEqual(home.location, "/session/new")
        XCTAssertNil(browser.cookies["twofa_session"], "the cookie is cleared")
        XCTAssertEqual(try sessionRows().count, 0, "the expired session row is deleted")
    }

    private func auditCount(_ event: String) throws -> Int {
        try server.app.database.read {
            try $0.queryOne("SELECT COUNT(*) AS n FROM audit_events WHERE event = ?", [.text(event)])?.int("n")
        } ?? -1
    }

    func testLoginAndLogoutAreRecordedOnceAndLogNoError() throws {
        // Whatever the event loop tries and drops on the way (the login form posts to a route
        // it may try; logout is that same POST with `_method=delete`), each action happens
        // once and nothing is logged as failed.
        let browser = try verifiedUser()
        let logged = LogCapture()
        logged.start()
        defer { logged.stop() }
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        XCTAssertEqual(try logIn(browser, password: "not the password").status, 422)
        XCTAssertEqual(try logIn(browser).location, "/verification/new")
        XCTAssertFalse(logged.lines.contains { $0.contains(" ERROR ") }, "\(logged.lines.filter { $0.contains(" ERROR ") })")
        XCTAssertEqual(try auditCount("logout"), 1)
        XCTAssertEqual(try auditCount("login_failed"), 1)
        XCTAssertEqual(try auditCount("login_succeeded"), 1)
    }

    func testRevokedSessionIsRefusedAtItsVeryNextPageView() throws {
        // The laptop's session is in the cache (it was just read), yet the revoke ends it
        // at once: any write in this process makes cached sessions be read again.
        let phone = try verifiedUser()
        let laptop = server.browser()
        laptop.userAgent = "laptop"
        try logIn(laptop)
        try enterPIN(laptop, try XCTUnwrap(server.lastPIN(to: "+447700900123")))
        let page = try phone.get("/user/sessions")
        let rows = page.body.components(separatedBy: #"<li class="list-row">"#).dropFirst()
        let row = try XCTUnwrap(rows.first { !$0.contains("This device") }, page.body)
        let idRange = try XCTUnwrap(row.range(of: #"name="id" value="[0-9]+""#, options: .regularExpression))
        let laptopID = String(row[idRange].filter(\.isNumber))

        XCTAssertEqual(try laptop.get("/").status, 200)   // cached now
        XCTAssertEqual(try phone.post("/user/sessions", [("id", laptopID)], method: "delete").location, "/user/sessions")
        XCTAssertEqual(try laptop.get("/").location, "/session/new")
        XCTAssertEqual(try phone.get("/").status, 200)
    }
}
