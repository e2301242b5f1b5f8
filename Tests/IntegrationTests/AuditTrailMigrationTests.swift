import Database
import Foundation
import XCTest
import TestSupport

/// Migration 0046 rebuilds `audit_events` so its rows outlive their account (ON DELETE SET NULL
/// instead of CASCADE). On the engine the suite runs on (SQLite, or PostgreSQL with
/// TWOFA_TEST_POSTGRES_URL): the rows written before it survive in order, new rows still get
/// ids after them, and deleting a user no longer takes its trail along.
final class AuditTrailMigrationTests: XCTestCase {
    func testAuditRowsSurviveTheRebuildAndOutliveTheirUser() throws {
        let fm = FileManager.default
        let directory = NSTemporaryDirectory() + "audit-migration-" + String(UUID().uuidString.prefix(8))
        let before = directory + "/before", after = directory + "/after"
        try fm.createDirectory(atPath: before, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: after, withIntermediateDirectories: true)
        defer { TestDatabase.drop(for: directory); try? fm.removeItem(atPath: directory) }
        let source = Repository.root + "/Migrations"
        for file in try fm.contentsOfDirectory(atPath: source) where file.hasSuffix(".sql") {
            let version = Int(file.prefix { $0.isNumber }) ?? 0
            try fm.copyItem(atPath: source + "/" + file, toPath: (version < 46 ? before : after) + "/" + file)
        }
        XCTAssertTrue(fm.fileExists(atPath: after + "/0046_keep_audit_events_of_deleted_accounts.sql"))

        let url = try TestDatabase.url(for: directory)
        let db: Database = TestDatabase.isPostgres ? try PostgreSQLDatabase(url: url, poolSize: 1)
                                                   : try SQLiteDatabase(path: url, readers: 0)
        defer { db.close() }
        try Migrator(directory: before).migrate(db)
        let (alice, bob) = try db.write { conn -> (Int64, Int64) in
            func user(_ name: String, _ number: String) throws -> Int64 {
                try conn.insert("""
                    INSERT INTO users (username, number, password_digest, number_verified_at, created_at, updated_at)
                    VALUES (?, ?, 'x', 1, 1, 1)
                    """, [.text(name), .text(number)])
            }
            return (try user("alice", "+447700900001"), try user("bob", "+447700900002"))
        }
        let written: [(Int64?, String)] = [(alice, "registered"), (bob, "registered"), (alice, "login_failed"),
                                          (nil, "login_failed"), (bob, "logout"), (alice, "logout")]
        try db.write { conn in
            for (user, event) in written {
                try conn.execute("INSERT INTO audit_events (user_id, event, ip, created_at) VALUES (?, ?, '127.0.0.1', 5)",
                                 [user.map(SQLValue.integer) ?? .null, .text(event)])
            }
            // A gap in the ids, as a deleted account used to leave.
            try conn.execute("DELETE FROM audit_events WHERE user_id = ? AND event = 'registered'", [.integer(bob)])
        }
        var expected = written
        expected.remove(at: 1)

        try Migrator(directory: after).migrate(db)
        let rows = try db.read { try $0.query("SELECT id, user_id, tombstone, event FROM audit_events ORDER BY id") }
        XCTAssertEqual(rows.map { $0.int64("user_id") }, expected.map(\.0))
        XCTAssertEqual(rows.map { $0.string("event") ?? "" }, expected.map(\.1))
        XCTAssertTrue(rows.allSatisfy { $0.string("tombstone") == nil })

        // New rows still get fresh ids (PostgreSQL's identity was not left behind the copied ones).
        let newID = try db.write { try $0.insert("INSERT INTO audit_events (user_id, event, created_at) VALUES (?, 'logout', 6)",
                                                 [.integer(alice)]) }
        XCTAssertGreaterThan(newID, rows.compactMap { $0.int64("id") }.max() ?? 0)

        // Deleting a user leaves its rows, detached.
        try db.write { try $0.execute("DELETE FROM users WHERE id = ?", [.integer(alice)]) }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM audit_events")?.int("n") }, expected.count + 1)
        XCTAssertEqual(try db.read {
            try $0.queryOne("SELECT count(*) AS n FROM audit_events WHERE user_id = ?", [.integer(alice)])?.int("n")
        }, 0)
    }
}
