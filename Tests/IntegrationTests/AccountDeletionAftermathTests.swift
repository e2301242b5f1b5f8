@testable import App
import Database
import Foundation
import Support
import XCTest
import TestSupport

/// What a deletion must leave behind, or must not (review of issue 14, findings 5, 7, 8, 10):
/// the sends the limits count, no ban for the next account given the same id, a deletion code
/// that the brake on new numbers doesn't stop, and a big audit trail re-tagged in a bounded
/// number of statements.
final class AccountDeletionAftermathTests: LeavingTestCase {
    /// Sends that ended before the window are no limit's business: they go with the account.
    func testSendsOlderThanTheWindowGoWithTheAccount() throws {
        let browser = try leaver()
        server.clock.advance(seconds: 601)
        try deleteOnTheWeb(browser)
        func requests(_ purpose: String) throws -> Int {
            try count("SELECT count(*) AS n FROM verify_requests WHERE number = ? AND purpose = ?", [.text(number), .text(purpose)])
        }
        XCTAssertEqual(try requests("login"), 0, "the sign-up's code, 601 s ago")
        XCTAssertEqual(try requests("account_deletion"), 1, "the deletion's own code, just now")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM verify_events WHERE number = ?", [.text(number)]), 1)
    }

    /// Both bans the regulations write for an account (`<id>` by wrong passwords, `codes:<id>`
    /// by wrong second-factor codes) go with it: SQLite gives the next sign-up the same id,
    /// whose logins would otherwise be refused until the old ban ran out.
    func testTheNextAccountWithTheSameIDIsNotBanned() throws {
        _ = try leaver()
        let id = try XCTUnwrap(userID())
        try server.app.database.write { db in
            for subject in [String(id), SecondFactorRegulation.codesSubject(id)] {
                try db.execute("INSERT INTO login_bans (scope, subject, banned_until) VALUES ('user', ?, ?)",
                               [.text(subject), .integer(server.clock.now() + 900)])
            }
        }
        XCTAssertEqual(try TwofaCommand(server: server).run(["users", "delete", username]).status, 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM login_bans WHERE scope = 'user'"), 0)

        let next = try verifiedUser(username: "next_zq", number: "+44 7700 900421")
        for _ in 0..<2 {   // the second time from a browser the account knows
            try logOut(next)
            XCTAssertEqual(try logIn(next, username: "next_zq").location, "/verification/new")
            XCTAssertEqual(try enterPIN(next, try XCTUnwrap(server.lastPIN(to: "+447700900421"))).location, "/")
        }
    }

    /// Thousands of audit rows: re-tagged and masked in a bounded number of statements (one
    /// UPDATE for them all, and the net reads back only details with 7 or more digits).
    func testABigAuditTrailTakesABoundedNumberOfStatements() throws {
        _ = try leaver()
        let id = try XCTUnwrap(userID())
        let masked = Redact.phone(number)
        try server.app.database.write { db in
            for i in 0..<3_000 {
                let detail: String
                switch i % 3 {
                case 0: detail = "sms to \(number)"                                    // the account's number, in full
                case 1: detail = "from \(masked) to +44 ••••••• 418"                   // masked already: 10 digits, no run
                default: detail = "sms"
                }
                try AuditLog.record(.pinSent, userID: id, detail: detail, ip: "127.0.0.1", userAgent: "", now: server.clock.now(), in: db)
            }
            // Two that slipped through with another number in full: the net's.
            for other in ["+447700900999", "020 7946 0958"] {
                try AuditLog.record(.pinSent, userID: id, detail: "to \(other)", ip: "", userAgent: "", now: server.clock.now(), in: db)
            }
        }
        let user = try XCTUnwrap(try read { try User.find(id: id, in: $0) })
        let tombstone = User.Tombstone.make()
        let statements = try server.app.database.write { db -> Int in
            let counting = CountingConnection(db)
            try User.erase(user, tombstone: tombstone, now: server.clock.now(), sendWindow: 600, in: counting)
            return counting.statements
        }
        XCTAssertLessThan(statements, 40, "one statement per table, not one per audit row")

        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE user_id IS NOT NULL"), 0)
        XCTAssertGreaterThan(try count("SELECT count(*) AS n FROM audit_events WHERE tombstone = ?", [.text(tombstone.id)]), 3_000)
        for raw in ["7700900417", "7700900999", "7946 0958"] {
            XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE detail LIKE ?", [.text("%\(raw)%")]), 0, raw)
        }
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE detail = ?", [.text("sms to \(masked)")]), 1_000)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE detail = ?", [.text("from \(masked) to +44 ••••••• 418")]),
                       1_000, "masked numbers are left as they were")
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE detail = ?", [.text("to \(Redact.phone("+447700900999"))")]), 1)
    }
}

/// The send limits count what was sent before a deletion (finding 7): with two codes to a
/// number and four from an address per window.
final class AccountDeletionSendLimitTests: LeavingTestCase {
    override var environment: [String: String] { ["VERIFY_MAX_SENDS_PER_NUMBER": "2", "VERIFY_MAX_SENDS_PER_IP": "4"] }

    /// Sign-up → verify → delete → sign-up again: the earlier sends to the number and from the
    /// address still count against VERIFY_MAX_SENDS_PER_NUMBER and VERIFY_MAX_SENDS_PER_IP.
    func testSendsMadeBeforeTheDeletionStillCountAfterIt() throws {
        let browser = try leaver()                                                      // login send 1 to the number; 1 from the address
        let other = server.browser()
        XCTAssertEqual(try logIn(other, username: username).location, "/verification/new")  // 2 and 2, left waiting
        let waiting = try XCTUnwrap(try read {
            try $0.queryOne("SELECT request_id FROM verify_requests WHERE number = ? AND status = 'IN PROGRESS'", [.text(number)])
        }?.string("request_id"))
        try deleteOnTheWeb(browser)                                                     // the deletion code: 3 from the address
        XCTAssertNil(try userID())

        // The waiting login's request was ended, not removed; nothing kept names the account.
        XCTAssertEqual(try read { try $0.queryOne("SELECT status FROM verify_requests WHERE request_id = ?", [.text(waiting)]) }?
            .string("status"), "CANCELLED")
        XCTAssertEqual(try columnsHolding(username), [])
        XCTAssertEqual(try count("SELECT count(*) AS n FROM verify_events WHERE number = ?", [.text(number)]), 3)

        // The same number again: its two login codes in the window still count.
        let texts = messages(to: number).count
        let again = server.browser()
        XCTAssertEqual(try signUp(again, username: username, number: typedNumber).location, "/verification/new")
        XCTAssertEqual(messages(to: number).count, texts, "no third login code to the number in the window")
        XCTAssertTrue(try again.get("/verification/new").body.contains("too many codes"))

        // The address has 3 sends in the window: a fourth goes, a fifth doesn't.
        XCTAssertEqual(try signUp(server.browser(), username: "second_zq", number: "+44 7700 900419").location, "/verification/new")
        XCTAssertEqual(messages(to: "+447700900419").count, 1)
        XCTAssertEqual(try signUp(server.browser(), username: "third_zq", number: "+44 7700 900420").location, "/verification/new")
        XCTAssertEqual(messages(to: "+447700900420").count, 0, "the address's fifth send in the window")
    }
}

/// VERIFY_MAX_SENDS_PER_HOUR brakes codes to numbers nobody has proven; a deletion code only
/// ever goes to the account's verified number, so the brake lets it through.
final class AccountDeletionBrakeTests: LeavingTestCase {
    override var environment: [String: String] { ["VERIFY_MAX_SENDS_PER_HOUR": "1"] }

    func testADeletionCodeGoesOutWithTheBrakeOn() throws {
        // From the top of an hour: the brake counts per clock hour, and the test must stay inside one.
        server.clock.advance(seconds: 3_600 - server.clock.now() % 3_600)
        let browser = try leaver()                                                      // the hour's one send to a new number
        XCTAssertEqual(try signUp(server.browser(), username: "braked_zq", number: "+44 7700 900422").location, "/verification/new")
        XCTAssertTrue(messages(to: "+447700900422").isEmpty, "the brake is on")

        let sent = messages(to: number).count
        try browser.get("/user/deletion/new")
        XCTAssertEqual(try browser.post("/user/deletion/code", []).location, "/user/deletion/new")
        XCTAssertEqual(messages(to: number).count, sent + 1, "the deletion code went out")
        let code = try XCTUnwrap(server.lastPIN(to: number))
        try browser.get("/user/deletion/new")
        XCTAssertEqual(try browser.post("/user", [("current_password", password), ("code", code)], method: "delete").location,
                       "/user/deleted")
    }
}

extension LeavingTestCase {
    /// Deletes the account from `browser` with its password and a texted deletion code.
    func deleteOnTheWeb(_ browser: Browser) throws {
        try browser.get("/user/deletion/new")
        let sent = messages(to: number).count
        XCTAssertEqual(try browser.post("/user/deletion/code", []).location, "/user/deletion/new")
        XCTAssertEqual(messages(to: number).count, sent + 1, "the deletion code went out")
        let code = try XCTUnwrap(server.lastPIN(to: number))
        try browser.get("/user/deletion/new")
        let deleted = try browser.post("/user", [("current_password", password), ("code", code)], method: "delete")
        XCTAssertEqual(deleted.location, "/user/deleted", deleted.body)
    }
}

/// A connection that counts the statements sent through it.
final class CountingConnection: DatabaseConnection {
    private let inner: DatabaseConnection
    private(set) var statements = 0

    init(_ inner: DatabaseConnection) { self.inner = inner }

    func execute(_ sql: String, _ parameters: [SQLValue]) throws { statements += 1; try inner.execute(sql, parameters) }
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [Row] { statements += 1; return try inner.query(sql, parameters) }
    func queryOne(_ sql: String, _ parameters: [SQLValue]) throws -> Row? { statements += 1; return try inner.queryOne(sql, parameters) }
    func queries(_ list: [SQLStatement]) throws -> [[Row]] { statements += list.count; return try inner.queries(list) }
    func finalQueries(_ list: [SQLStatement]) throws -> [[Row]] { statements += list.count; return try inner.finalQueries(list) }
    func executeScript(_ sql: String) throws { statements += 1; try inner.executeScript(sql) }
    var changes: Int { inner.changes }
}
