import Foundation
import XCTest
@testable import Database

final class MigratorTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var migrationsPath: String!
    private var db: SQLiteDatabase!

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        migrationsPath = directory.file("Migrations")
        try FileManager.default.createDirectory(atPath: migrationsPath, withIntermediateDirectories: true)
        db = try SQLiteDatabase(path: directory.file("test.sqlite3"), readers: 2)
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    private func add(_ file: String, _ sql: String) {
        directory.write("Migrations/\(file)", sql)
    }

    private var migrator: Migrator { Migrator(directory: migrationsPath) }

    private func recordedVersions() throws -> [Int] {
        try db.read { try $0.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.int("version") } }
    }

    func testAppliesInNumericOrderAndRecordsVersions() throws {
        // Lexically "10_…" sorts before "2_…"; 10 depends on 2's table, so order matters.
        add("10_c.sql", "ALTER TABLE things ADD COLUMN colour TEXT;")
        add("2_b.sql", "CREATE TABLE things (id INTEGER PRIMARY KEY);")
        add("0001_a.sql", "CREATE TABLE first (id INTEGER PRIMARY KEY);")
        add("README.md", "not a migration")

        XCTAssertEqual(try migrator.migrations().map(\.version), [1, 2, 10])
        XCTAssertEqual(try migrator.pending(in: db).map(\.file), ["0001_a.sql", "2_b.sql", "10_c.sql"])

        let applied = try migrator.migrate(db)
        XCTAssertEqual(applied.map(\.version), [1, 2, 10])
        XCTAssertEqual(applied.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(try recordedVersions(), [1, 2, 10])
        let row = try XCTUnwrap(try db.read { try $0.queryOne("SELECT name, applied_at FROM schema_migrations WHERE version = 10") })
        XCTAssertEqual(row.string("name"), "c")
        XCTAssertNotNil(row.string("applied_at"))
        try db.write { try $0.execute("INSERT INTO things (colour) VALUES (?)", ["red"]) }

        XCTAssertEqual(try migrator.migrate(db), [], "a second run applies nothing")
        XCTAssertEqual(try migrator.pending(in: db), [])
    }

    func testBrokenMigrationRollsBackAloneAndNamesItsFile() throws {
        add("1_good.sql", "CREATE TABLE good (id INTEGER PRIMARY KEY);")
        // Its first statement succeeds; the second fails, so the first must be undone.
        add("2_broken.sql", "CREATE TABLE half (id INTEGER); INSERT INTO good (id) VALUES (1); INSERT INTO nowhere VALUES (1);")
        add("3_later.sql", "CREATE TABLE later (id INTEGER);")

        XCTAssertThrowsError(try migrator.migrate(db)) { error in
            guard case DatabaseError.migration(let file, let message) = error else {
                return XCTFail("expected migration error, got \(error)")
            }
            XCTAssertEqual(file, "2_broken.sql")
            XCTAssertTrue(message.contains("nowhere"), message)
        }
        XCTAssertEqual(try recordedVersions(), [1])
        let tables = try db.read {
            try $0.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0.string("name") }
        }
        XCTAssertTrue(tables.contains("good"))
        XCTAssertFalse(tables.contains("half"), "the broken migration's own changes are rolled back")
        XCTAssertFalse(tables.contains("later"), "migrations after a failure are not attempted")
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM good")?.int("n") }, 0)

        // Once fixed, the rest apply.
        add("2_broken.sql", "CREATE TABLE half (id INTEGER);")
        XCTAssertEqual(try migrator.migrate(db).map(\.version), [2, 3])
    }

    func testDuplicateVersionIsAnError() {
        add("0002_one.sql", "SELECT 1;")
        add("2_two.sql", "SELECT 1;")
        XCTAssertThrowsError(try migrator.migrations()) { error in
            guard case DatabaseError.migration = error else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try migrator.migrate(db))
    }

    func testBadlyNamedFileIsAnError() {
        for bad in ["create_users.sql", "0001.sql", "0001_.sql", "v1_users.sql", "_users.sql"] {
            let dir = TemporaryDirectory()
            dir.write(bad, "SELECT 1;")
            XCTAssertThrowsError(try Migrator(directory: dir.path).migrations(), bad) { error in
                guard case DatabaseError.migration(let file, _) = error else { return XCTFail("got \(error)") }
                XCTAssertEqual(file, bad)
            }
        }
    }

    func testMissingDirectoryIsAnError() {
        XCTAssertThrowsError(try Migrator(directory: directory.file("nope")).migrations())
    }
}
