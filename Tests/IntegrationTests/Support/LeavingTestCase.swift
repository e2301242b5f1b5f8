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
}
