import Foundation
import XCTest
@testable import Database
import TestSupport

/// A one-row INSERT … RETURNING runs on SQLite as the INSERT and a read-back by rowid: which
/// statements are split, and that what they answer is what RETURNING answers.
final class SQLiteInsertReadBackTests: XCTestCase {
    // MARK: Which statements are split

    func testAOneRowInsertIsSplitIntoTheInsertAndASelectByRowid() throws {
        let split = try XCTUnwrap(SQLiteInsertReadBack("INSERT INTO items (name, amount) VALUES (?, ?) RETURNING id, name"))
        XCTAssertEqual(split.insert, "INSERT INTO items (name, amount) VALUES (?, ?)")
        XCTAssertEqual(split.select, "SELECT id, name\nFROM items WHERE rowid = ?")
    }

    func testLayoutCaseSubqueriesQuotesAndCommentsDoNotHideTheShape() throws {
        let sql = """
            insert into verify_events (event_id, request_pk, note)
            VALUES (?, (SELECT id FROM verify_requests WHERE request_id = ?), 'a ) RETURNING x; ON CONFLICT') -- VALUES (
            /* ) FROM */ returning "id", request_pk AS pk
            """
        let split = try XCTUnwrap(SQLiteInsertReadBack(sql))
        XCTAssertEqual(split.select, "SELECT \"id\", request_pk AS pk\nFROM verify_events WHERE rowid = ?")
        XCTAssertTrue(split.insert.hasSuffix("'a ) RETURNING x; ON CONFLICT') -- VALUES (\n/* ) FROM */"), split.insert)
    }

    func testEveryOtherShapeRunsAsWritten() {
        let unsplit = [
            "INSERT INTO items (name) VALUES (?)",                                              // nothing to return
            "INSERT OR IGNORE INTO items (name) VALUES (?) RETURNING id",                       // may insert nothing
            "INSERT OR REPLACE INTO items (name) VALUES (?) RETURNING id",
            "REPLACE INTO items (name) VALUES (?) RETURNING id",
            "INSERT INTO items (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET amount = 1 RETURNING id",   // upsert
            "INSERT INTO items (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id",
            "INSERT INTO items (name) VALUES (?), (?) RETURNING id",                            // two rows
            "INSERT INTO items (name) SELECT name FROM others RETURNING id",
            "INSERT INTO items DEFAULT VALUES RETURNING id",
            "INSERT INTO items VALUES (1, 'a', 2, 3.0, NULL) RETURNING id",                      // no column list
            "INSERT INTO main.items (name) VALUES (?) RETURNING id",                            // schema-qualified
            "WITH x AS (SELECT 1) INSERT INTO items (name) VALUES (?) RETURNING id",
            "UPDATE items SET amount = 1 WHERE id = ? RETURNING id",
            "DELETE FROM items WHERE id = ? RETURNING id",
            "INSERT INTO items (name) VALUES (?) RETURNING id;",
            "INSERT INTO items (name) VALUES (?) RETURNING",
            "INSERT INTO items (name) VALUES ((?) RETURNING id",                                // unbalanced
            "INSERT INTO \"odd table\" (name) VALUES (?) RETURNING id",
        ]
        for sql in unsplit { XCTAssertNil(SQLiteInsertReadBack(sql), sql) }
    }

    // MARK: What they answer

    private var directory: TemporaryDirectory!
    private var db: SQLiteDatabase!

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        db = try SQLiteDatabase(path: directory.file("test.sqlite3"))
        try db.write {
            try $0.executeScript("""
                CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE, amount INTEGER NOT NULL DEFAULT 7,
                                    created TEXT NOT NULL DEFAULT 'now', parent INTEGER);
                CREATE TABLE tags (code TEXT PRIMARY KEY, label TEXT);
                """)
        }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    private let insertItem = "INSERT INTO items (name, parent) VALUES (?, (SELECT max(id) FROM items)) RETURNING id, name, amount, created, parent"

    func testTheRowReadBackIsTheRowStoredDefaultsAndSubqueriesIncluded() throws {
        let rows = try db.write { db in try (1...3).map { try db.query(insertItem, [.text("item \($0)")]) } }
        XCTAssertEqual(rows.map(\.count), [1, 1, 1])
        let stored = try db.read { try $0.query("SELECT id, name, amount, created, parent FROM items ORDER BY id") }
        XCTAssertEqual(rows.map { $0[0].values }, stored.map(\.values))
        XCTAssertEqual(rows[0][0].columns, ["id", "name", "amount", "created", "parent"])
        XCTAssertEqual(rows[2][0].int64("parent"), rows[1][0].int64("id"))
        XCTAssertEqual(rows[0][0].int("amount"), 7)
    }

    func testATableWithATextKeyIsReadBackByItsRowidToo() throws {
        let row = try db.write { try $0.queryOne("INSERT INTO tags (code, label) VALUES (?, ?) RETURNING code, label", ["a", "first"]) }
        XCTAssertEqual(row?.string("code"), "a")
        XCTAssertEqual(row?.string("label"), "first")
        XCTAssertEqual(try db.write { try $0.insert("INSERT INTO items (name) VALUES (?)", ["x"]) },
                       try db.read { try $0.queryOne("SELECT id FROM items WHERE name = 'x'")?.int64("id") })
    }

    func testAFailedInsertThrowsAsBeforeAndTheStatementStaysUsable() throws {
        _ = try db.write { try $0.query(insertItem, ["same"]) }
        XCTAssertThrowsError(try db.write { try $0.query(self.insertItem, ["same"]) }) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("\(error)") }
        }
        let next = try db.write { try $0.queryOne(insertItem, ["other"]) }
        XCTAssertEqual(next?.string("name"), "other")
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 2)
    }

    func testShapesRunAsWrittenAnswerAsRETURNINGDoes() throws {
        let first = try db.write { try $0.queryOne(insertItem, ["kept"]) }
        // Ignored: no row, where a read-back by the last rowid would wrongly answer the row above.
        let ignored = try db.write { try $0.query("INSERT OR IGNORE INTO items (name) VALUES (?) RETURNING id", ["kept"]) }
        XCTAssertEqual(ignored.count, 0)
        // An upsert that updates: the updated row, whose rowid is not the last inserted one.
        _ = try db.write { try $0.query(insertItem, ["later"]) }
        let upserted = try db.write {
            try $0.query("INSERT INTO items (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET amount = 9 RETURNING id, amount", ["kept"])
        }
        XCTAssertEqual(upserted.first?.int64("id"), first?.int64("id"))
        XCTAssertEqual(upserted.first?.int("amount"), 9)
        let two = try db.write { try $0.query("INSERT INTO items (name) VALUES (?), (?) RETURNING name", ["b", "c"]) }
        XCTAssertEqual(two.compactMap { $0.string("name") }, ["b", "c"])
    }

    /// A trigger could change a row after its INSERT, and RETURNING would then answer the row
    /// as inserted while the read-back answers it as stored: the split relies on there being none.
    func testTheSchemaHasNoTriggerThatCouldChangeARowAfterItsInsert() throws {
        _ = try Migrator(directory: Repository.path("Migrations")).migrate(db)
        let triggers = try db.read { try $0.query("SELECT name FROM sqlite_schema WHERE type = 'trigger'") }
        XCTAssertEqual(triggers.compactMap { $0.string("name") }, [], "SQLiteInsertReadBack reads rows back after their insert")
        XCTAssertGreaterThan(try db.read { try $0.queryOne("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'")?.int("n") } ?? 0, 10)
    }

    func testCommentsAroundTheReturnedColumnsChangeNothing() throws {
        XCTAssertNotNil(SQLiteInsertReadBack("INSERT INTO items (name) VALUES (?) RETURNING id, name -- the new row"))
        XCTAssertNotNil(SQLiteInsertReadBack("INSERT INTO items (name) VALUES (?) /*/ ) RETURNING no */ RETURNING id, name"))
        let rows = try db.write { db in
            try ["INSERT INTO items (name) VALUES (?) RETURNING id, name -- the new row",
                 "INSERT INTO items (name) VALUES (?) /*/ ) RETURNING no */ RETURNING id, name"]
                .enumerated().map { try db.queryOne($0.element, [.text("c\($0.offset)")]) }
        }
        XCTAssertEqual(rows.map { $0?.string("name") }, ["c0", "c1"])
        XCTAssertEqual(rows.compactMap { $0?.int64("id") }.count, 2)
    }

    func testExecuteInsertsWithoutReadingBack() throws {
        try db.write { try $0.execute(insertItem, ["executed"]) }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT name FROM items")?.string("name") }, "executed")
    }
}
