import Foundation
import XCTest
@testable import Database

/// `Database.changeCount`: what caches (the session cache) compare to tell that rows they
/// read may be stale. It must go up on every write, whatever became of it, and only then.
final class ChangeCountTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var db: SQLiteDatabase!

    struct Refused: Error {}

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        db = try SQLiteDatabase(path: directory.file("count.sqlite3"), readers: 2)
        try db.write { try $0.executeScript("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);") }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    private func itemCount() throws -> Int {
        try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM items")?.int("n") } ?? -1
    }

    func testWriteRaisesIt() throws {
        let before = try XCTUnwrap(db.changeCount)
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("a")]) }
        XCTAssertEqual(db.changeCount, before + 1)
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("b")]) }
        XCTAssertEqual(db.changeCount, before + 2)
    }

    func testWriteThatThrowsAndRollsBackRaisesItToo() throws {
        let before = try XCTUnwrap(db.changeCount)
        XCTAssertThrowsError(try db.write { conn in
            try conn.execute("INSERT INTO items (name) VALUES (?)", [.text("gone")])
            throw Refused()
        }) { XCTAssertTrue($0 is Refused) }
        XCTAssertEqual(try itemCount(), 0, "rolled back")
        // Counting only commits would be wrong too: a reader may have seen nothing new, but
        // a cache can't tell, so any write at all makes it read again.
        XCTAssertEqual(db.changeCount, before + 1)
    }

    func testWriteFailingInSQLiteRaisesIt() throws {
        let before = try XCTUnwrap(db.changeCount)
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO no_such_table VALUES (1)", []) })
        XCTAssertEqual(db.changeCount, before + 1)
    }

    func testWriteWithoutTransactionRaisesIt() throws {
        let before = try XCTUnwrap(db.changeCount)
        try db.writeWithoutTransaction { try $0.executeScript("BEGIN; INSERT INTO items (name) VALUES ('m'); COMMIT;") }
        XCTAssertEqual(db.changeCount, before + 1)
        XCTAssertEqual(try itemCount(), 1)
    }

    func testReadsLeaveItAlone() throws {
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("a")]) }
        let before = try XCTUnwrap(db.changeCount)
        for _ in 0..<3 { XCTAssertEqual(try itemCount(), 1) }
        XCTAssertThrowsError(try db.read { try $0.execute("SELECT * FROM no_such_table", []) })
        XCTAssertEqual(db.changeCount, before)
    }

    func testConcurrentWritesAreAllCounted() throws {
        let before = try XCTUnwrap(db.changeCount)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<25 {
                try? db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("\(worker)-\(i)")]) }
            }
        }
        XCTAssertEqual(try itemCount(), 100)
        XCTAssertEqual(db.changeCount, before + 100)
    }

    func testEachDatabaseObjectCountsItsOwnWrites() throws {
        // Another process (here: another object on the same file) doesn't move this count:
        // that is why the session cache also has a maximum age.
        let other = try SQLiteDatabase(path: directory.file("count.sqlite3"), readers: 1)
        defer { other.close() }
        let before = try XCTUnwrap(db.changeCount)
        try other.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("elsewhere")]) }
        XCTAssertEqual(db.changeCount, before)
        XCTAssertEqual(try itemCount(), 1, "yet the row is there for the next read")
    }
}
