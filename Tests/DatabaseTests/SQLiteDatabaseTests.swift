import CSQLite
import Foundation
import XCTest
@testable import Database

final class SQLiteDatabaseTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var db: SQLiteDatabase!

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        // A nested path also checks that the parent directory is created.
        db = try SQLiteDatabase(path: directory.file("data/nested/test.sqlite3"))
        try db.write { try $0.executeScript(ItemsTable.schema) }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    func testWALModeIsOn() throws {
        let mode = try db.read { try $0.queryOne("PRAGMA journal_mode")?.string("journal_mode") }
        XCTAssertEqual(mode, "wal")
        let foreignKeys = try db.write { try $0.queryOne("PRAGMA foreign_keys")?.int("foreign_keys") }
        XCTAssertEqual(foreignKeys, 1)
    }

    /// SQLite's memory statistics are off for the whole process (SQLiteConnection sets it before
    /// the first connection opens): with them on, every SQLite allocation takes a global mutex.
    /// Off, SQLite counts nothing, so with connections open and rows written it reports 0 bytes.
    func testSQLiteKeepsNoMemoryStatistics() throws {
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("counted?")]) }
        XCTAssertEqual(try db.read { try $0.query("SELECT name FROM items") }.count, 1)
        XCTAssertEqual(sqlite3_memory_used(), 0)
        XCTAssertEqual(sqlite3_memory_highwater(0), 0)
    }

    func testEveryValueTypeRoundTrips() throws {
        let values: [SQLValue] = [.text("ünïcödé 🔐 with\0nul"), .integer(Int64.max), .real(-1.5), .blob([0, 1, 254, 255])]
        let id = try db.write { connection -> Int64 in
            let id = try connection.insert("INSERT INTO items (name, amount, price, data) VALUES (?, ?, ?, ?)", values)
            XCTAssertEqual(connection.changes, 1)
            return id
        }
        XCTAssertGreaterThan(id, 0)
        let row = try XCTUnwrap(try db.read { try $0.queryOne("SELECT * FROM items WHERE id = ?", [.integer(id)]) })
        XCTAssertEqual(row["name"], values[0])
        XCTAssertEqual(row["amount"], values[1])
        XCTAssertEqual(row["price"], values[2])
        XCTAssertEqual(row["data"], values[3])
        XCTAssertEqual(row.string("name"), "ünïcödé 🔐 with\0nul")
        XCTAssertEqual(row.int64("amount"), Int64.max)
        XCTAssertEqual(row.double("price"), -1.5)
        XCTAssertEqual(row.blob("data"), [0, 1, 254, 255])
        XCTAssertEqual(row["missing"], .null)
        XCTAssertNil(row.string("missing"))
    }

    func testNullEmptyTextAndEmptyBlobStayDistinct() throws {
        try db.write { connection in
            try connection.execute("INSERT INTO items (name, amount, data) VALUES (?, ?, ?)", ["", nil, .blob([])])
        }
        let row = try XCTUnwrap(try db.read { try $0.queryOne("SELECT name, amount, data, 1 AS flag FROM items") })
        XCTAssertEqual(row["name"], .text(""))
        XCTAssertEqual(row["amount"], .null)
        XCTAssertEqual(row["data"], .blob([]))
        XCTAssertEqual(row.bool("flag"), true)
        XCTAssertEqual(row.int("flag"), 1)
    }

    func testUniqueViolationIsMapped() throws {
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["alice"]) }
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["alice"]) }) { error in
            guard case DatabaseError.uniqueViolation(let message) = error else {
                return XCTFail("expected uniqueViolation, got \(error)")
            }
            XCTAssertTrue(message.contains("items.name"), message)
        }
        // Primary keys count as unique too.
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (id, name) VALUES (1, 'bob')") }) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("expected uniqueViolation, got \(error)") }
        }
    }

    func testOtherConstraintFailuresAreConstraint() throws {
        try db.write { try $0.executeScript("CREATE TABLE strict (v TEXT NOT NULL);") }
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO strict (v) VALUES (?)", [nil]) }) { error in
            guard case DatabaseError.constraint = error else { return XCTFail("expected constraint, got \(error)") }
        }
    }

    func testErrorsNeverContainParameterValues() throws {
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["s3cret-value"]) }
        do {
            try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["s3cret-value"]) }
            XCTFail("expected an error")
        } catch {
            XCTAssertFalse("\(error)".contains("s3cret"), "\(error)")
        }
    }

    func testWriteRollsBackWhenBodyThrows() throws {
        struct Boom: Error {}
        XCTAssertThrowsError(try db.write { connection in
            try connection.execute("INSERT INTO items (name) VALUES (?)", ["temporary"])
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        let count = try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }
        XCTAssertEqual(count, 0)
        // The writer is usable afterwards (no transaction left open).
        try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["kept"]) }
        XCTAssertEqual(try db.read { try $0.query("SELECT name FROM items").map { $0.string("name") } }, ["kept"])
    }

    /// SQLite has one writer: a single-statement write and a keyed write are plain writes,
    /// and a failing one leaves nothing behind.
    func testSingleStatementAndKeyedWritesAreWrites() throws {
        let rows = try db.writeStatement("INSERT INTO items (name, amount) VALUES (?, ?) RETURNING amount", ["a", .integer(5)])
        XCTAssertEqual(rows.first?.int("amount"), 5)
        XCTAssertThrowsError(try db.writeStatement("INSERT INTO items (name) VALUES (?)", ["a"])) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("\(error)") }
        }
        let n = try db.write(lockingOn: ["a"]) { connection -> Int? in
            try connection.execute("INSERT INTO items (name) VALUES (?)", ["b"])
            return try connection.queryOne("SELECT count(*) AS n FROM items")?.int("n")
        }
        XCTAssertEqual(n, 2)
    }

    func testConcurrentWritesAllLand() throws {
        let threads = 8, perThread = 50
        let db = self.db!
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                do {
                    try db.write { try $0.execute("INSERT INTO items (name, amount) VALUES (?, ?)",
                                                  [.text("t\(t)-\(i)"), .integer(Int64(t))]) }
                    // Interleave reads so readers and the writer really overlap.
                    _ = try db.read { try $0.queryOne("SELECT count(*) AS n FROM items") }
                } catch {
                    failures.add(error)
                }
            }
        }
        XCTAssertEqual(failures.all.map { "\($0)" }, [])
        let count = try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }
        XCTAssertEqual(count, threads * perThread)
    }

    func testReadersSeeCommittedDataOnly() throws {
        let db = self.db!
        let inside = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? db.write { connection in
                try connection.execute("INSERT INTO items (name) VALUES (?)", ["pending"])
                inside.signal()
                proceed.wait()
            }
            inside.signal()
        }
        writer.start()
        inside.wait()
        // While the write transaction is open, a reader neither blocks nor sees it.
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 0)
        proceed.signal()
        inside.wait()
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT name FROM items")?.string("name") }, "pending")
    }

    func testReadConnectionsAreReadOnly() throws {
        XCTAssertThrowsError(try db.read { try $0.execute("INSERT INTO items (name) VALUES ('x')") })
    }

    func testWrongParameterCountAndMultipleStatementsAreRejected() throws {
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", []) })
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (name) VALUES ('a'); DELETE FROM items") })
    }

    func testStatementsAreReusedWithFreshBindings() throws {
        try db.write { connection in
            for i in 0..<5 { try connection.execute("INSERT INTO items (name, amount) VALUES (?, ?)", [.text("n\(i)"), .integer(Int64(i))]) }
        }
        let rows = try db.read { try $0.query("SELECT amount FROM items WHERE amount >= ? ORDER BY amount", [3]) }
        XCTAssertEqual(rows.compactMap { $0.int("amount") }, [3, 4])
    }

    func testInMemoryNeedsZeroReaders() throws {
        XCTAssertThrowsError(try SQLiteDatabase(path: ":memory:"))
        let memory = try SQLiteDatabase(path: ":memory:", readers: 0)
        try memory.write { try $0.executeScript("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7);") }
        XCTAssertEqual(try memory.read { try $0.queryOne("SELECT v FROM t")?.int("v") }, 7)
        memory.close()
    }

    func testClosedDatabaseThrows() throws {
        db.close()
        XCTAssertThrowsError(try db.read { _ in 1 })
        XCTAssertThrowsError(try db.write { _ in 1 })
    }
}

/// Errors collected from many threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}
