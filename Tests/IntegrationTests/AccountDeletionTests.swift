import App
import Database
import Foundation
import XCTest
import TestSupport

/// Issue 14, "Delete my account": behind the password and a second factor; every row about the
/// account goes, the audit trail stays under a tombstone without personal data, the number is
/// texted goodbye, and the username and number can be registered again. On the web and from
/// the command line alike.
final class AccountDeletionTests: LeavingTestCase {
    func deleteAccount(_ browser: Browser, password: String?, code: String?) throws -> TestResponse {
        try browser.get("/user/deletion/new")
        var fields: [(String, String)] = []
        if let password { fields.append(("current_password", password)) }
        if let code { fields.append(("code", code)) }
        return try browser.post("/user", fields, method: "delete")
    }

    /// Texts a deletion code and returns it.
    func deletionCode(_ browser: Browser) throws -> String {
        try browser.get("/user/deletion/new")
        let sent = try browser.post("/user/deletion/code", [])
        XCTAssertEqual(sent.location, "/user/deletion/new", sent.body)
        XCTAssertTrue(try browser.get("/user/deletion/new").body.contains("id=\"code-waiting\""))
        return try XCTUnwrap(server.lastPIN(to: number))
    }

    func wrong(_ code: String) -> String { String(code.map { $0 == "9" ? "0" : "9" }) }

    /// Where a deleted account's number may stay: the recent sends the limits count (`User.erase`).
    let sendLimitColumns = ["verify_events.number", "verify_requests.number"]

    func assertNothingDeleted(_ file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNotNil(try userID(), "the account is still there", file: file, line: line)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE tombstone IS NOT NULL"), 0, file: file, line: line)
    }

    func testEditAccountLinksToDeletion() throws {
        let browser = try leaver()
        XCTAssertTrue(try browser.get("/user/edit").body.contains("href=\"/user/deletion/new\""))
        let page = try browser.get("/user/deletion/new")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("Text me a code"), page.body)
    }

    func testRefusedWithoutTheRightPasswordAndTextedCode() throws {
        let browser = try leaver()
        let id = try XCTUnwrap(userID())

        // No code asked for yet.
        let noCode = try deleteAccount(browser, password: password, code: "123456")
        XCTAssertEqual(noCode.status, 422, noCode.body)
        XCTAssertTrue(noCode.body.contains("Ask for a new one"), noCode.body)

        let code = try deletionCode(browser)
        let missing = try deleteAccount(browser, password: password, code: nil)
        XCTAssertEqual(missing.status, 422)
        XCTAssertTrue(missing.body.contains("Enter the code we texted you"), missing.body)

        let wrongPassword = try deleteAccount(browser, password: "not my password", code: code)
        XCTAssertEqual(wrongPassword.status, 422)
        XCTAssertTrue(wrongPassword.body.contains("That isn&#39;t your current password")
                      || wrongPassword.body.contains("That isn't your current password"), wrongPassword.body)

        let wrongCode = try deleteAccount(browser, password: password, code: wrong(code))
        XCTAssertEqual(wrongCode.status, 422)
        XCTAssertTrue(wrongCode.body.contains("That code isn"), wrongCode.body)

        try assertNothingDeleted()
        XCTAssertEqual(try browser.get("/").status, 200, "still signed in")
        XCTAssertGreaterThanOrEqual(try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ? AND event = 'account_deletion_refused'",
                                              [.integer(id)]), 4)
        XCTAssertEqual(try server.metric("twofa_refusals_total{reason=\"account_deletion\"}"), 4)
        XCTAssertFalse(server.messages().contains { $0["body"]?.contains("deleted") == true }, "no goodbye")

        // The code was never spent by the refusals behind a wrong password: it still deletes.
        XCTAssertEqual(try deleteAccount(browser, password: password, code: code).location, "/user/deleted")
        XCTAssertNil(try userID())
    }

    func testDeletionRemovesEveryRowKeepsTheTrailTombstonedAndFreesUsernameAndNumber() throws {
        let browser = try leaver()
        let id = try XCTUnwrap(userID())
        // Rows in as many tables as a user can reach: another session (remembered, with a device
        // cookie), a wrong password, a pending number change.
        let other = server.browser()
        try logIn(other, username: username)
        try other.get("/verification/new")
        XCTAssertEqual(try other.post("/verification", [("code", try XCTUnwrap(server.lastPIN(to: number))), ("remember", "1")]).location, "/")
        _ = try logIn(server.browser(), username: username, password: "wrong password!")
        try browser.get("/user/number/edit")
        XCTAssertEqual(try browser.post("/user/number", [("number", "+44 7700 900418"), ("current_password", password)],
                                        method: "patch").status, 303)
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM remembered_devices WHERE user_id = ?", [.integer(id)]), 0)
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM number_changes WHERE user_id = ?", [.integer(id)]), 0)
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM login_failures WHERE user_id = ?", [.integer(id)]), 0)
        let eventsBefore = try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ?", [.integer(id)])

        let code = try deletionCode(browser)
        let deleted = try deleteAccount(browser, password: password, code: code)
        XCTAssertEqual(deleted.location, "/user/deleted", deleted.body)
        let gone = try browser.get("/user/deleted")
        XCTAssertEqual(gone.status, 200)
        XCTAssertTrue(gone.body.contains("Your account is gone"), gone.body)

        // Every row that names the user is gone, in every table that can name one.
        let tables = try tablesWithUserID()
        XCTAssertTrue(tables.contains("sessions") && tables.contains("audit_events"), "\(tables)")
        for table in tables {
            XCTAssertEqual(try count("SELECT count(*) AS n FROM \(table) WHERE user_id = ?", [.integer(id)]), 0, table)
        }
        XCTAssertEqual(try count("SELECT count(*) AS n FROM users"), 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM sessions"), 0, "every session ended")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM login_bans WHERE scope = 'user'"), 0)
        // Neither the username nor the full number is left in any text column, but for the
        // sends the limits still count (which name no account).
        XCTAssertEqual(try columnsHolding(username), [])
        XCTAssertEqual(Set(try columnsHolding("7700900417")), Set(sendLimitColumns))
        XCTAssertEqual(Set(try columnsHolding("7700900418")), Set(sendLimitColumns), "nor the number a pending change was to")

        // The trail stays, under one random tombstone, ending with the deletion.
        let trail = try read { try $0.query("SELECT tombstone, event, detail FROM audit_events WHERE tombstone IS NOT NULL ORDER BY id") }
        XCTAssertEqual(trail.count, eventsBefore + 3, "every event kept, plus the code sent, the code accepted and the deletion")
        let tombstones = Set(trail.compactMap { $0.string("tombstone") })
        XCTAssertEqual(tombstones.count, 1)
        let tombstone = try XCTUnwrap(tombstones.first)
        XCTAssertTrue(tombstone.hasPrefix("deleted-") && tombstone.count == 40, tombstone)
        XCTAssertFalse(tombstone.contains(username))
        XCTAssertEqual(trail.last?.string("event"), "account_deleted")
        XCTAssertEqual(trail.last?.string("detail"), "web, +44 ••••••• 417")
        XCTAssertTrue(trail.contains { $0.string("event") == "registered" })

        // The other browser is logged out; the number was told.
        XCTAssertEqual(try other.get("/").location, "/session/new")
        let goodbye = try XCTUnwrap(messages(to: number).last?["body"])
        XCTAssertTrue(goodbye.contains("account has been deleted"), goodbye)
        XCTAssertEqual(try server.metric("twofa_accounts_deleted_total"), 1)

        // Username and number are free: a new account with both goes through to its code.
        let again = server.browser()
        XCTAssertEqual(try signUp(again, username: username, number: typedNumber).location, "/verification/new")
        XCTAssertEqual(try enterPIN(again, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
        let newID = try XCTUnwrap(userID())
        let activity = try again.get("/user/activity").body
        XCTAssertFalse(activity.contains("Account deletion") || activity.contains("Wrong password"),
                       "the new account (id \(newID), the old was \(id)) sees none of the old one's events")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE tombstone = ?", [.text(tombstone)]), trail.count)
    }

    func testWithAnAppTheTextedCodeIsNoProofButTheAppOrARecoveryCodeIs() throws {
        let browser = try leaver()
        let app = try turnOnApp(browser)
        let page = try browser.get("/user/deletion/new")
        XCTAssertFalse(page.body.contains("Text me a code"), page.body)
        XCTAssertTrue(page.body.contains("authenticator app, or a recovery code"), page.body)

        // No text for a deletion of an account with an app.
        let sent = server.messages().count
        XCTAssertEqual(try browser.post("/user/deletion/code", []).location, "/user/deletion/new")
        XCTAssertEqual(server.messages().count, sent)

        XCTAssertEqual(try deleteAccount(browser, password: password, code: "000000").status, 422)
        XCTAssertEqual(try deleteAccount(browser, password: "not my password", code: app.totp.code(at: server.clock.now())).status, 422)
        XCTAssertEqual(try deleteAccount(browser, password: password, code: nil).status, 422)
        try assertNothingDeleted()

        XCTAssertEqual(try deleteAccount(browser, password: password, code: app.recoveryCodes[0]).location, "/user/deleted")
        XCTAssertNil(try userID())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM totp_credentials"), 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM recovery_codes"), 0)
        XCTAssertTrue(messages(to: number).last?["body"]?.contains("account has been deleted") == true)
    }

    func testCommandLineDeletesTheSameWay() throws {
        let browser = try leaver()
        let id = try XCTUnwrap(userID())
        let events = try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ?", [.integer(id)])
        let command = TwofaCommand(server: server)

        let deleted = try command.run(["users", "delete", username])
        XCTAssertEqual(deleted.status, 0, deleted.err)
        let tombstone = try XCTUnwrap(firstMatch(#"(deleted-[0-9a-f]{32})"#, in: deleted.out), deleted.out)

        for table in try tablesWithUserID() {
            XCTAssertEqual(try count("SELECT count(*) AS n FROM \(table) WHERE user_id = ?", [.integer(id)]), 0, table)
        }
        XCTAssertEqual(try columnsHolding(username), [])
        XCTAssertEqual(Set(try columnsHolding("7700900417")).subtracting(sendLimitColumns), [])
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE tombstone = ?", [.text(tombstone)]), events + 1)
        eventually("her session is over") { (try? browser.get("/").location) == "/session/new" }
        XCTAssertTrue(messages(to: number).last?["body"]?.contains("account has been deleted") == true, "goodbye through the outbox")

        let audit = try command.run(["audit", tombstone])
        XCTAssertEqual(audit.status, 0, audit.err)
        XCTAssertTrue(audit.out.contains("account_deleted") && audit.out.contains("registered"), audit.out)
        XCTAssertTrue(audit.out.contains("command line, +44 ••••••• 417"), audit.out)
        XCTAssertFalse(audit.out.contains(username))
        XCTAssertEqual(try command.run(["audit", username]).status, 1, "no account by that name any more")

        let again = server.browser()
        XCTAssertEqual(try signUp(again, username: username, number: typedNumber).location, "/verification/new")
        XCTAssertEqual(try enterPIN(again, try XCTUnwrap(server.lastPIN(to: number))).location, "/")
    }
}
