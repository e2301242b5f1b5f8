import App
import Database
import Foundation
import Security
import XCTest
import TestSupport

/// What the account-deletion and data-export tests share (issue 14): a user of their own,
/// looking the database over on either engine, and the authenticator-app set-up.
class LeavingTestCase: IntegrationTestCase {
    let username = "leaver_zq"
    let typedNumber = "+44 7700 900417"
    let number = "+447700900417"

    func leaver() throws -> Browser { try verifiedUser(username: username, number: typedNumber) }

    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T { try server.app.database.read(body) }

    func count(_ sql: String, _ parameters: [SQLValue] = []) throws -> Int {
        try read { try $0.queryOne(sql, parameters)?.int("n") ?? -1 }
    }

    func userID(_ name: String? = nil) throws -> Int64? {
        try read { try $0.queryOne("SELECT id FROM users WHERE lower(username) = lower(?)", [.text(name ?? username)])?.int64("id") }
    }

    /// Every table with a `user_id` column, read from the schema (so a table added later is checked too).
    func tablesWithUserID() throws -> [String] {
        let sql = TestDatabase.isPostgres
            ? "SELECT table_name::text AS t FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'user_id'"
            : "SELECT m.name AS t FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'user_id'"
        return try read { try $0.query(sql).compactMap { $0.string("t") } }
    }

    /// Every text column of every table, as (table, column).
    func textColumns() throws -> [(String, String)] {
        let sql = TestDatabase.isPostgres
            ? """
              SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
              WHERE table_schema = current_schema() AND data_type = 'text'
              """
            : """
              SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
              WHERE m.type = 'table' AND upper(p.type) = 'TEXT'
              """
        return try read { try $0.query(sql).map { ($0.string("t") ?? "", $0.string("c") ?? "") } }
    }

    /// The (table.column)s holding `text` anywhere in their value.
    func columnsHolding(_ text: String) throws -> [String] {
        try textColumns().filter { table, column in
            try count("SELECT count(*) AS n FROM \(table) WHERE \(column) LIKE ?", [.text("%" + text + "%")]) > 0
        }.map { "\($0.0).\($0.1)" }
    }

    /// Sets an authenticator app up on a verified browser; returns the app and its recovery codes.
    func setUpApp(_ browser: Browser) throws -> (totp: TOTP, base32: String, recoveryCodes: [String]) {
        let page = try browser.get("/user/totp/new")
        XCTAssertEqual(page.status, 200, page.body)
        let base32 = try XCTUnwrap(firstMatch(#"id="secret-key">([A-Z2-7 ]+)<"#, in: page.body)).replacingOccurrences(of: " ", with: "")
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(base32)))
        let done = try browser.post("/user/totp", [("current_password", password), ("code", totp.code(at: server.clock.now()))])
        XCTAssertEqual(done.status, 200, done.body)
        let regex = try NSRegularExpression(pattern: #"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>"#)
        let codes = regex.matches(in: done.body, range: NSRange(done.body.startIndex..., in: done.body)).compactMap {
            Range($0.range(at: 1), in: done.body).map { String(done.body[$0]) }
        }
        XCTAssertEqual(codes.count, 10, done.body)
        server.clock.advance(seconds: 30)
        return (totp, base32, codes)
    }

    func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
              let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(m.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }
}
