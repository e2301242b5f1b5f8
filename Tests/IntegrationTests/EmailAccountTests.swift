import App
import Database
import Foundation
import XCTest
import TestSupport

/// Issue 16 in the web app: an e-mail address added on the account page (password, then a code
/// e-mailed to it), and codes by e-mail as the login's fallback second factor, with the texted
/// codes' limits; every step in the activity log.
final class EmailAccountTests: IntegrationTestCase {
    let address = "alice@example.com"

    func audit() throws -> [AuditEvent] {
        try server.app.database.read { db in
            let user = try XCTUnwrap(try User.find(username: "alice", in: db))
            return try AuditEvent.recent(userID: user.id, limit: 100, in: db)
        }
    }

    func lastEmailCode() -> String? {
        server.messages().last { $0["channel"] == "email" && $0["to"]?.lowercased() == address }.flatMap { TestServer.pin(in: $0["subject"] ?? "") }
    }

    @discardableResult
    func addAddress(_ browser: Browser, password: String? = nil) throws -> TestResponse {
        try browser.get("/user/email/edit")
        return try browser.post("/user/email", [("email", " Alice@Example.COM "), ("current_password", password ?? self.password)],
                                method: "patch")
    }

    func confirmedUser(fallback: Bool) throws -> Browser {
        let browser = try verifiedUser()
        XCTAssertEqual(try addAddress(browser).location, "/user/email/verification/new")
        XCTAssertEqual(try browser.post("/user/email/verification", [("code", try XCTUnwrap(lastEmailCode()))]).location, "/user/email/edit")
        if fallback {
            XCTAssertEqual(try browser.post("/user/email/fallback", [("fallback", "on")], method: "patch").location, "/user/email/edit")
        }
        return browser
    }

    func testAnAddressIsAddedOnlyWithTheCodeEmailedToIt() throws {
        let browser = try verifiedUser()
        XCTAssertTrue(try browser.get("/user/edit").body.contains(#"<a href="/user/email/edit" id="email-link">Add an e-mail address</a>"#))
        XCTAssertEqual(try addAddress(browser).location, "/user/email/verification/new")
        let page = try browser.get("/user/email/verification/new")
        XCTAssertTrue(page.body.contains("We e-mailed a 6-digit code to <strong>A•••@example.com</strong>"), page.body)
        let mail = try XCTUnwrap(server.messages().last)
        XCTAssertEqual(mail["channel"], "email")
        XCTAssertEqual(mail["to"], "Alice@example.com", "the domain lowercased, the local part as typed")

        let pin = try XCTUnwrap(TestServer.pin(in: mail["subject"] ?? ""))
        let wrong = try browser.post("/user/email/verification", [("code", pin == "000000" ? "111111" : "000000")])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("That code isn&#39;t right."), wrong.body)
        XCTAssertFalse(try browser.get("/user/edit").body.contains("A•••@example.com"), "not the account's before the right code")

        XCTAssertEqual(try browser.post("/user/email/verification", [("code", pin)]).location, "/user/email/edit")
        XCTAssertTrue(try browser.get("/user/edit").body.contains("A•••@example.com"))
        let kinds = try audit().map(\.kind)
        XCTAssertTrue(kinds.contains(.emailAdded))
        XCTAssertTrue(try audit().contains { $0.kind == .pinSent && $0.detail == "e-mail to A•••@example.com" })
        XCTAssertTrue(try browser.get("/user/activity").body.contains("E-mail address confirmed"))
        XCTAssertTrue(server.app.metrics.render().contains(#"twofa_email_addresses_total{outcome="added"} 1"#))
    }

    func testAWrongPasswordOrAddressSendsNothing() throws {
        let browser = try verifiedUser()
        let before = server.messages().count
        let wrong = try addAddress(browser, password: "not my password")
        XCTAssertEqual(wrong.status, 422)
        try browser.get("/user/email/edit")
        let bad = try browser.post("/user/email", [("email", "alice@example.com\r\nBcc: x@y.z"), ("current_password", password)],
                                   method: "patch")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.body.contains("Enter an e-mail address like name@example.com"), bad.body)
        XCTAssertEqual(server.messages().count, before)
    }

    func testCodesByEmailAtLoginOnceTurnedOn() throws {
        let browser = try confirmedUser(fallback: true)
        XCTAssertTrue(try audit().contains { $0.kind == .emailFallbackOn })
        try logOut(browser)
        try logIn(browser)
        let page = try browser.get("/verification/new")
        XCTAssertTrue(page.body.contains(#"id="email-code">E-mail me a code instead"#), page.body)
        // No PIN_RESEND_INTERVAL to wait after the login's text: the phone isn't at hand.
        XCTAssertEqual(try browser.post("/verification/email", []).location, "/verification/new")
        let codePage = try browser.get("/verification/new")
        XCTAssertTrue(codePage.body.contains("We e-mailed a 6-digit code to <strong>A•••@example.com</strong>"), codePage.body)
        let done = try browser.post("/verification", [("code", try XCTUnwrap(lastEmailCode()))])
        XCTAssertEqual(done.location, "/")
        XCTAssertTrue(try audit().contains { $0.kind == .pinVerified && $0.detail == "e-mail to A•••@example.com" })
    }

    func testCodesByEmailAreRefusedUntilTurnedOn() throws {
        let browser = try confirmedUser(fallback: false)
        try logOut(browser)
        try logIn(browser)
        XCTAssertFalse(try browser.get("/verification/new").body.contains("E-mail me a code instead"))
        let before = server.messages().count
        XCTAssertEqual(try browser.post("/verification/email", []).location, "/verification/new")
        XCTAssertTrue(try browser.get("/verification/new").body.contains("Codes by e-mail are not turned on for this account."))
        XCTAssertEqual(server.messages().count, before)
        XCTAssertTrue(try audit().contains { $0.kind == .emailCodeRefused })
        XCTAssertTrue(server.app.metrics.render().contains(#"reason="email_code_not_enabled"} 1"#), server.app.metrics.render())
    }

    func testLoginCodesByEmailHaveTheTextedCodesLimits() throws {
        let browser = try confirmedUser(fallback: true)
        try logOut(browser)
        try logIn(browser)
        // VERIFY_MAX_SENDS_PER_NUMBER = 3 per destination and flow in config/test.json.
        for i in 0..<3 {
            if i > 0 { server.clock.advance(seconds: 31) }
            try browser.get("/verification/new")
            try browser.post("/verification/email", [])
            if i == 0 {
                // PIN_RESEND_INTERVAL (30 s) between two e-mails, as between texts.
                let sent = server.messages().count
                try browser.get("/verification/new")
                try browser.post("/verification/email", [])
                XCTAssertTrue(try browser.get("/verification/new").body.contains("Please wait 30 seconds before asking for another code."))
                XCTAssertEqual(server.messages().count, sent)
            }
        }
        server.clock.advance(seconds: 31)
        let before = server.messages().count
        try browser.get("/verification/new")
        try browser.post("/verification/email", [])
        XCTAssertTrue(try browser.get("/verification/new").body.contains("We&#39;ve sent too many codes to this address."),
                      server.messages().map { "\($0["channel"] ?? "") \($0["to"] ?? "")" }.joined(separator: "\n"))
        XCTAssertEqual(server.messages().count, before)
        XCTAssertTrue(server.app.metrics.render().contains(#"twofa_verify_sends_refused_total{reason="throttled"} 1"#))
    }

    func testTheFallbackGoesWithTheAddress() throws {
        let browser = try confirmedUser(fallback: true)
        try browser.get("/user/email/edit")
        XCTAssertEqual(try browser.post("/user/email", [], method: "delete").location, "/user/email/edit")
        XCTAssertTrue(try audit().contains { $0.kind == .emailRemoved })
        try logOut(browser)
        try logIn(browser)
        XCTAssertFalse(try browser.get("/verification/new").body.contains("E-mail me a code instead"))
    }

    func testTheAddressIsInYourDataAndGoesWithTheAccount() throws {
        let browser = try confirmedUser(fallback: true)
        let data = try browser.get("/user/data")
        XCTAssertTrue(data.body.contains(#"<span id="data-email">A•••@example.com</span>"#), data.body)
        let download = try browser.get("/user/data/download")
        XCTAssertTrue(download.body.contains(#""email":"A•••@example.com""#), download.body)
        XCTAssertTrue(download.body.contains(#""emailed_code":true"#), download.body)

        // Deleting the account: password and a texted code.
        try browser.get("/user/deletion/new")
        try browser.post("/user/deletion/code", [])
        let code = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        try browser.get("/user/deletion/new")
        _ = try browser.post("/user", [("current_password", password), ("code", code)], method: "delete")
        let left = try server.app.database.read { db in
            (try db.queryOne("SELECT count(*) AS n FROM user_emails")?.int("n"),
             try db.queryOne("SELECT count(*) AS n FROM verify_requests WHERE lower(number) = ? AND status = 'IN PROGRESS'",
                             [.text(address)])?.int("n"))
        }
        XCTAssertEqual(left.0, 0, "the address goes with the account")
        XCTAssertEqual(left.1, 0)
    }
}
