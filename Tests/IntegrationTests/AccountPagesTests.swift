import Database
import Foundation
import XCTest

/// The Sessions and Activity pages of a verified account.
final class AccountPagesTests: IntegrationTestCase {
    let iPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    let linuxChrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

    /// alice on her phone (127.0.0.1) and on a laptop (127.0.0.2), both verified.
    func twoDevices() throws -> (phone: Browser, laptop: Browser) {
        let phone = server.browser()
        phone.userAgent = iPhone
        try signUp(phone)
        try enterPIN(phone, try XCTUnwrap(server.lastPIN(to: "+447700900123")))
        let laptop = server.browser()
        laptop.userAgent = linuxChrome
        laptop.sourceAddress = "127.0.0.2"
        try logIn(laptop)
        try enterPIN(laptop, try XCTUnwrap(server.lastPIN(to: "+447700900123")))
        XCTAssertEqual(try laptop.get("/").status, 200)
        return (phone, laptop)
    }

    /// The session id in the "Log out this one" form of the row naming `browser`.
    func sessionID(in page: String, browser: String) throws -> String {
        let rows = page.components(separatedBy: #"<li class="list-row">"#).dropFirst()
        let row = try XCTUnwrap(rows.first { $0.contains(browser) }, "no row for \(browser)")
        let range = try XCTUnwrap(row.range(of: #"name="id" value="[0-9]+""#, options: .regularExpression))
        return String(row[range].filter(\.isNumber))
    }

    func testSessionsPageListsBothDevicesAndLogsOutTheOtherOne() throws {
        let (phone, laptop) = try twoDevices()
        let page = try phone.get("/user/sessions")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("Safari on iPhone"), page.body)
        XCTAssertTrue(page.body.contains("Chrome on Linux"))
        XCTAssertTrue(page.body.contains("IP 127.0.0.2"))
        XCTAssertEqual(page.body.components(separatedBy: "This device").count - 1, 1, "exactly one row is this device")
        let phoneRow = page.body.components(separatedBy: #"<li class="list-row">"#).first { $0.contains("Safari on iPhone") } ?? ""
        XCTAssertTrue(phoneRow.contains("This device"))
        XCTAssertTrue(page.body.contains("Log out everywhere else"))

        let laptopID = try sessionID(in: page.body, browser: "Chrome on Linux")
        let ended = try phone.post("/user/sessions", [("id", laptopID)], method: "delete")
        XCTAssertEqual(ended.location, "/user/sessions")
        XCTAssertEqual(try laptop.get("/").location, "/session/new", "the laptop's cookie is worthless now")
        let after = try phone.get("/user/sessions")
        XCTAssertFalse(after.body.contains("Chrome on Linux"))
        XCTAssertTrue(after.body.contains("That session has been logged out."))
        XCTAssertEqual(try phone.get("/").status, 200, "the phone stays logged in")
    }

    func testLogOutEverywhereElse() throws {
        let (phone, laptop) = try twoDevices()
        let tablet = server.browser()
        try logIn(tablet)   // half-logged-in: listed too, as waiting for the code
        let page = try phone.get("/user/sessions")
        XCTAssertTrue(page.body.contains("Waiting for the code"))
        XCTAssertEqual(try phone.post("/user/sessions/others", [], method: "delete").location, "/user/sessions")
        XCTAssertEqual(try laptop.get("/").location, "/session/new")
        XCTAssertEqual(try tablet.get("/verification/new").location, "/session/new")
        XCTAssertEqual(try phone.get("/").status, 200)
        XCTAssertTrue(try phone.get("/user/sessions").body.contains("You aren't logged in anywhere else."))
    }

    func testCannotEndSomeoneElsesSession() throws {
        let alice = try verifiedUser()
        let bob = try verifiedUser(username: "bob", number: "+44 7700 900456")
        let bobsPage = try bob.get("/user/sessions")
        let bobsID = try sessionID(in: bobsPage.body, browser: "twofa-tests")
        try alice.get("/user/sessions")
        XCTAssertEqual(try alice.post("/user/sessions", [("id", bobsID)], method: "delete").location, "/user/sessions")
        XCTAssertTrue(try alice.get("/user/sessions").body.contains("That session had already ended."))
        XCTAssertEqual(try bob.get("/").status, 200, "bob is still logged in")
    }

    func testLogOutThisOneOnTheCurrentSessionIsALogout() throws {
        let browser = try verifiedUser()
        let page = try browser.get("/user/sessions")
        let id = try sessionID(in: page.body, browser: "twofa-tests")
        XCTAssertEqual(try browser.post("/user/sessions", [("id", id)], method: "delete").location, "/session/new")
        XCTAssertEqual(try browser.get("/").location, "/session/new")
    }

    func testAccountPagesNeedAVerifiedSession() throws {
        let anonymous = server.browser()
        XCTAssertEqual(try anonymous.get("/user/sessions").location, "/session/new")
        XCTAssertEqual(try anonymous.get("/user/activity").location, "/session/new")
        _ = try verifiedUser()
        let half = server.browser()
        try logIn(half)
        XCTAssertEqual(try half.get("/user/sessions").location, "/verification/new")
        XCTAssertEqual(try half.get("/user/activity").location, "/verification/new")
        try half.get("/verification/new")
        XCTAssertEqual(try half.post("/user/sessions/others", [], method: "delete").location, "/verification/new")
    }

    func testActivityShowsTheJourneyWithoutSecrets() throws {
        let browser = server.browser()
        browser.userAgent = iPhone
        try signUp(browser)
        let firstPIN = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        try enterPIN(browser, firstPIN)
        let sessionCookie = try XCTUnwrap(browser.cookies["twofa_session"])
        _ = try logOut(browser)
        XCTAssertEqual(try logIn(browser, password: "not the password").status, 422)
        try logIn(browser)
        try enterPIN(browser, try XCTUnwrap(server.lastPIN(to: "+447700900123")))
        try browser.get("/user/edit")
        XCTAssertEqual(try browser.post("/user", [("current_password", password), ("password", "a brand new password"),
                                                   ("password_confirmation", "a brand new password")], method: "patch").location, "/")

        let page = try browser.get("/user/activity")
        XCTAssertEqual(page.status, 200)
        for label in ["Account created", "Password accepted", "Wrong password", "Logged out", "Password changed"] {
            XCTAssertTrue(page.body.contains(label), "activity shows “\(label)”")
        }
        XCTAssertTrue(page.body.contains("Safari on iPhone"))
        XCTAssertTrue(page.body.contains("IP 127.0.0.1"))
        // Newest first: the password change comes before the account's creation.
        let changed = try XCTUnwrap(page.body.range(of: "Password changed")), created = try XCTUnwrap(page.body.range(of: "Account created"))
        XCTAssertLessThan(changed.lowerBound, created.lowerBound)

        let rows = try server.app.database.read { try $0.query("SELECT * FROM audit_events") }
        XCTAssertGreaterThanOrEqual(rows.count, 5)
        let stored = rows.flatMap(\.values).map(text).joined(separator: "\n")
        for secret in [password, "not the password", "a brand new password", firstPIN, sessionCookie, "+447700900123", "7700900123"] {
            XCTAssertFalse(stored.contains(secret), "audit rows must not hold \(secret)")
        }
    }

    func testActivityShowsOnlyTheLastTwenty() throws {
        let browser = try verifiedUser()
        for _ in 0..<25 {
            try browser.get("/user/sessions")
            _ = try browser.post("/user/sessions/others", [], method: "delete")
        }
        let page = try browser.get("/user/activity")
        XCTAssertEqual(page.body.components(separatedBy: #"<li class="list-row">"#).count - 1, 20)
        XCTAssertFalse(page.body.contains("Account created"), "the oldest events are beyond the last 20")
    }

    private func text(_ value: SQLValue) -> String {
        switch value {
        case .text(let s): return s
        case .integer(let i): return String(i)
        default: return ""
        }
    }
}
