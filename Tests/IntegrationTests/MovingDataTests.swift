import Database
import Foundation
import Security
import XCTest

/// Moving accounts in: `twofa db copy --to postgres://…` (SQLite → PostgreSQL) and
/// `twofa users import --rails SOURCE`, run as the built binary, then used through the server.
final class MovingDataTests: IntegrationTestCase {
    var command: TwofaCommand { TwofaCommand(server: server) }

    // MARK: db copy

    func testCopyMovesEveryRowToPostgreSQLWhereTheAccountsKeepWorking() throws {
        guard TestDatabase.isPostgres else { throw XCTSkip("needs a PostgreSQL server (bin/test's PostgreSQL pass)") }
        // The installation to move: a SQLite file with an account, an API key and a Verify request.
        let sqlite = server.directory + "/moving.sqlite3"
        let before = try TestServer(environment: ["DATABASE_URL": sqlite])
        let alice = try signUpAndVerify(on: before)
        XCTAssertEqual(try alice.get("/").status, 200)
        let api = try VerifyAPIClient.create(on: before)
        XCTAssertEqual(try api.request("447700900321")["status"] as? String, "0")
        before.stop()

        let targetDirectory = server.directory + "/target"
        let target = try TestDatabase.url(for: targetDirectory)
        defer { TestDatabase.drop(for: targetDirectory) }
        let copied = try command.run(["db", "copy", "--to", target], environment: ["DATABASE_URL": sqlite])
        XCTAssertEqual(copied.status, 0, copied.err)
        XCTAssertTrue(copied.out.contains("row counts match"), copied.out)
        XCTAssertTrue(copied.out.contains("users"), copied.out)
        XCTAssertTrue(copied.err.contains("rows"), "progress goes to stderr: \(copied.err)")

        // A server on the copy: alice logs in with her password, and new rows get fresh ids.
        let after = try TestServer(environment: ["DATABASE_URL": target])
        defer { after.stop() }
        let browser = after.browser()
        XCTAssertEqual(try logIn(browser).location, "/verification/new", "alice's digest came across")
        let bob = after.browser()
        XCTAssertEqual(try signUp(bob, username: "bob", number: "+44 7700 900456").status, 303,
                       "the identity sequences continue after the copied ids")
        var apiAfter = api
        apiAfter.port = after.port
        XCTAssertEqual(try apiAfter.request("447700900654")["status"] as? String, "0", "the API key came across")

        let again = try command.run(["db", "copy", "--to", target], environment: ["DATABASE_URL": sqlite])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.err.contains("not empty"), again.err)
    }

    func testCopyNeedsAPostgresTarget() throws {
        let result = try command.run(["db", "copy", "--to", "/tmp/elsewhere.sqlite3"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.contains("usage: twofa db copy --to postgres://"), result.err)
    }

    // MARK: users import --rails

    /// A Rails two-factor app's database: has_secure_password's `$2a$` digests, numbers as people typed them.
    func makeRailsDatabase(_ rows: [(String, String, String)]) throws -> String {
        let path = server.directory + "/rails.sqlite3"
        let db = try SQLiteDatabase(path: path, readers: 0)
        defer { db.close() }
        try db.write { conn in
            try conn.executeScript("""
                CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, password_digest TEXT, number TEXT,
                                    created_at TEXT, updated_at TEXT);
                """)
            for (username, digest, number) in rows {
                try conn.execute("INSERT INTO users (username, password_digest, number, created_at, updated_at) VALUES (?, ?, ?, '2020-01-01', '2020-01-01')",
                                 [.text(username), .text(digest), .text(number)])
            }
        }
        return path
    }

    /// A `$2a$` digest as bcrypt-ruby makes it: for ASCII passwords only the prefix differs from `$2b$`.
    func railsDigest(_ password: String) throws -> String {
        "$2a$" + (try BCrypt.hash(password, cost: 4)).dropFirst(4)
    }

    func testImportBringsRailsAccountsWhoseDigestsKeepWorkingAndAreRenewed() throws {
        _ = try verifiedUser()   // alice, +447700900123, already here
        let digest = try railsDigest("rails password 1")
        let rails = try makeRailsDatabase([
            ("dave", digest, "07700 900777"),                  // national: +44 by default
            ("erin", try railsDigest("rails password 2"), "+1 (202) 555-0199"),
            ("Alice", digest, "+44 7700 900888"),              // username taken here (any case)
            ("frank", "plaintext", "+44 7700 900999"),         // not a bcrypt digest
            ("grace", digest, "0044 7700 900777"),             // dave's number again, written otherwise
            ("bad name!", digest, "+44 7700 900111"),          // not a valid username
        ])
        let result = try command.run(["users", "import", "--rails", rails, "--default-country", "44"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("Imported 2 of 6 users"), result.out)
        XCTAssertTrue(result.out.contains("Skipped 4:"), result.out)
        XCTAssertTrue(result.out.contains("row 3 (id 3): username \"Alice\" is taken"), result.out)
        XCTAssertTrue(result.out.contains("row 4 (id 4): password_digest is not a bcrypt digest"), result.out)
        XCTAssertTrue(result.out.contains("row 5 (id 5): number +44 ••••••• 777 belongs to another account"), result.out)
        XCTAssertTrue(result.out.contains("row 6 (id 6): username"), result.out)
        XCTAssertFalse(result.out.contains("7700900777"), "numbers are masked in the report")
        XCTAssertFalse(result.out.contains(String(digest.suffix(20))), "digests are never printed")
        XCTAssertEqual(try rowCount(rails), 6, "the source is only read")

        // dave logs in with his Rails password; the PIN goes to his number in E.164.
        let dave = server.browser()
        XCTAssertEqual(try logIn(dave, username: "dave", password: "rails password 1").location, "/verification/new")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900777"))
        XCTAssertEqual(try enterPIN(dave, pin).location, "/")
        let stored = try server.app.database.read {
            try $0.queryOne("SELECT password_digest, number_verified_at FROM users WHERE username = 'dave'")
        }
        let renewed = try XCTUnwrap(stored?.string("password_digest"))
        XCTAssertTrue(renewed.hasPrefix("$2b$"), "renewed at the first login: \(renewed.prefix(7))")
        XCTAssertNotNil(stored?.int64("number_verified_at"), "the PIN proved the number")
        let erin = try server.app.database.read { try $0.queryOne("SELECT number, number_verified_at, password_digest FROM users WHERE username = 'erin'") }
        XCTAssertEqual(erin?.string("number"), "+12025550199")
        XCTAssertNil(erin?.int64("number_verified_at"), "imported numbers are unverified until a PIN proves them")
        XCTAssertTrue(erin?.string("password_digest")?.hasPrefix("$2a$") ?? false, "untouched until erin logs in")
        XCTAssertEqual(try logIn(server.browser(), username: "dave", password: "rails password 1").location, "/verification/new",
                       "the renewed digest works")
    }

    func testImportIsWholeOrAbsentAndExplainsABadSource() throws {
        let missing = try command.run(["users", "import", "--rails", server.directory + "/nope.sqlite3"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("no such file"), missing.err)
        let usage = try command.run(["users", "import", "--rails", "x.sqlite3", "--default-country", "0x"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.err.contains("usage: twofa users import --rails"), usage.err)

        let notRails = server.directory + "/other.sqlite3"
        let db = try SQLiteDatabase(path: notRails, readers: 0)
        try db.write { try $0.executeScript("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('x@example.com');") }
        db.close()
        let wrong = try command.run(["users", "import", "--rails", notRails])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.err.contains("no username, password_digest, number column"), wrong.err)
        XCTAssertEqual(try server.app.database.read { try $0.queryOne("SELECT count(*) AS n FROM users")?.int("n") }, 0)
    }

    // MARK: Helpers

    func signUpAndVerify(on other: TestServer) throws -> Browser {
        let browser = other.browser()
        XCTAssertEqual(try signUp(browser).status, 303)
        XCTAssertEqual(try enterPIN(browser, try XCTUnwrap(other.lastPIN(to: "+447700900123"))).location, "/")
        return browser
    }

    func rowCount(_ sqlite: String) throws -> Int? {
        let db = try SQLiteDatabase(readingOnly: sqlite)
        defer { db.close() }
        return try db.read { try $0.queryOne("SELECT count(*) AS n FROM users")?.int("n") }
    }
}
