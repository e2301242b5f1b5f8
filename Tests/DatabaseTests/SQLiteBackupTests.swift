import Foundation
import XCTest
@testable import Database

final class SQLiteBackupTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var db: SQLiteDatabase!
    private var source: String { directory.file("live.sqlite3") }
    private var copy: String { directory.file("copy.sqlite3") }

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        db = try SQLiteDatabase(path: source)
        // Two tables written in one transaction: a consistent copy has as many of each.
        try db.write { try $0.executeScript("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB);
            CREATE TABLE ledger (item_id INTEGER PRIMARY KEY REFERENCES items (id));
            """) }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    /// Rows of about 1 KB (four to a 4 KB page), so that the file soon has hundreds of pages.
    private func insert(_ count: Int) throws {
        try db.write { conn in
            for _ in 0..<count { try insertItem(conn) }
        }
    }

    @discardableResult
    private func insertItem(_ conn: DatabaseConnection) throws -> Int64 {
        let id = try conn.insert("INSERT INTO items (name, data) VALUES (?, ?)",
                                 [.text("item \(UUID().uuidString)"), .blob([UInt8](repeating: 0xAB, count: 1000))])
        try conn.execute("INSERT INTO ledger (item_id) VALUES (?)", [.integer(id)])
        return id
    }

    private func openCopy() throws -> SQLiteConnection {
        try SQLiteConnection(path: copy, readOnly: true, busyTimeoutMilliseconds: 1000)
    }

    private func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".partial") }.sorted()
    }

    // MARK: The copy

    func testCopyHasTheSameRowsAndIsOneRollbackJournalFile() throws {
        try insert(500)
        var backup = SQLiteBackup(source: source, destination: copy)
        backup.pagesPerStep = 16
        var reports: [SQLiteBackup.Progress] = []
        let summary = try backup.run { reports.append($0) }

        XCTAssertGreaterThan(reports.count, 10, "copied in many steps")
        XCTAssertEqual(reports.map(\.pagesCopied), reports.map(\.pagesCopied).sorted())
        XCTAssertEqual(reports.last?.pagesCopied, summary.pages)
        XCTAssertEqual(reports.last?.pageCount, summary.pages)
        let size = try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int64
        XCTAssertEqual(summary.bytes, size)
        XCTAssertGreaterThan(summary.pages, 100)

        let original = try db.read { try $0.query("SELECT id, name, data FROM items ORDER BY id", []) }
        let copied = try openCopy()
        defer { copied.close() }
        let rows = try copied.query("SELECT id, name, data FROM items ORDER BY id", [])
        XCTAssertEqual(rows.count, 500)
        XCTAssertEqual(rows.map { $0["id"] }, original.map { $0["id"] })
        XCTAssertEqual(rows.map { $0["name"] }, original.map { $0["name"] })
        XCTAssertEqual(rows.map { $0["data"] }, original.map { $0["data"] })
        XCTAssertEqual(try copied.queryOne("PRAGMA journal_mode", [])?.string("journal_mode"), "delete")
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy + "-wal"))
        XCTAssertEqual(try leftovers(), [])
    }

    func testBacksUpADatabaseNoOneHasOpen() throws {
        try insert(3)
        db.close()   // the last connection checkpoints and removes -wal and -shm
        db = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: source + "-wal"))
        _ = try SQLiteBackup(source: source, destination: copy).run()
        let copied = try openCopy()
        defer { copied.close() }
        XCTAssertEqual(try copied.queryOne("SELECT count(*) AS n FROM items", [])?.int("n"), 3)
    }

    // MARK: Under write load

    /// The key property: a backup taken while the server writes holds every row committed
    /// before it began, is transactionally consistent, and does not stop the writes.
    func testBackupUnderWriteLoadHasEveryRowCommittedBeforeItBeganAndLetsWritesGoOn() throws {
        try insert(2000)
        let writer = Writer(database: db, insert: insertItem)
        writer.start()
        defer { writer.stop() }
        XCTAssertTrue(writer.waitForCommits(atLeast: 20, timeout: 10), "the writer got going")

        let committedBefore = writer.committed()
        var backup = SQLiteBackup(source: source, destination: copy)
        backup.pagesPerStep = 4
        var steps = 0
        var writesDuringBackup = 0
        var restarts = 0
        var copied = 0
        _ = try backup.run { report in
            steps += 1
            // Without one snapshot for the whole copy, each commit would start it over.
            if report.pagesCopied < copied { restarts += 1 }
            copied = report.pagesCopied
            // Half-way through, the server must still be able to commit.
            if steps == 50 {
                let before = writer.committed().count
                XCTAssertTrue(writer.waitForCommits(atLeast: before + 20, timeout: 10),
                              "writes went on while the backup was part-way through")
                writesDuringBackup = writer.committed().count - before
            }
        }
        XCTAssertGreaterThan(steps, 100, "the backup took many steps")
        XCTAssertEqual(restarts, 0, "the backup never started over")
        XCTAssertGreaterThanOrEqual(writesDuringBackup, 20)
        XCTAssertTrue(writer.isWriting, "the backup finished while the writer was still writing")
        writer.stop()
        XCTAssertNil(writer.failure, "no write failed during the backup")

        let result = try openCopy()
        defer { result.close() }
        let ids = Set(try result.query("SELECT id FROM items", []).compactMap { $0.int64("id") })
        let missing = committedBefore.filter { !ids.contains($0) }
        XCTAssertEqual(missing, [], "every insert acknowledged before the backup began is in the copy")
        let items = try result.queryOne("SELECT count(*) AS n FROM items", [])?.int("n")
        let ledger = try result.queryOne("SELECT count(*) AS n FROM ledger", [])?.int("n")
        XCTAssertEqual(items, ledger, "no transaction is half in the copy")
        XCTAssertEqual(try result.query("PRAGMA integrity_check", []).first?.string("integrity_check"), "ok")
    }

    // MARK: Refusals and failures

    func testRefusesAnExistingDestinationUnlessOverwriting() throws {
        try insert(3)
        try "keep me".write(toFile: copy, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SQLiteBackup(source: source, destination: copy).run()) { error in
            XCTAssertTrue("\(error)".contains("already exists (use --force to replace it)"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: copy, encoding: .utf8), "keep me")

        var forced = SQLiteBackup(source: source, destination: copy)
        forced.overwrite = true
        _ = try forced.run()
        let copied = try openCopy()
        defer { copied.close() }
        XCTAssertEqual(try copied.queryOne("SELECT count(*) AS n FROM items", [])?.int("n"), 3)
        XCTAssertEqual(try leftovers(), [])
    }

    func testNeverOverwritesTheSourceItself() throws {
        try insert(3)
        var backup = SQLiteBackup(source: source, destination: directory.path + "/./live.sqlite3")
        backup.overwrite = true
        XCTAssertThrowsError(try backup.run()) { error in
            XCTAssertTrue("\(error)".contains("is the database being backed up"), "\(error)")
        }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items", [])?.int("n") }, 3)
    }

    func testACancelledBackupLeavesNoFile() throws {
        try insert(200)
        var backup = SQLiteBackup(source: source, destination: copy)
        backup.pagesPerStep = 4
        var steps = 0
        backup.isCancelled = { steps >= 3 }
        XCTAssertThrowsError(try backup.run { _ in steps += 1 }) { error in
            XCTAssertTrue("\(error)".contains("interrupted"), "\(error)")
        }
        XCTAssertEqual(steps, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy))
        XCTAssertEqual(try leftovers(), [])
    }

    func testAFailedBackupLeavesNoFile() throws {
        let notADatabase = directory.file("notes.txt")
        try String(repeating: "not a database ", count: 500).write(toFile: notADatabase, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SQLiteBackup(source: notADatabase, destination: copy).run()) { error in
            XCTAssertTrue("\(error)".contains("not a database"), "\(error)")
        }
        XCTAssertThrowsError(try SQLiteBackup(source: directory.file("missing.sqlite3"), destination: copy).run()) { error in
            XCTAssertTrue("\(error)".contains("no SQLite database at"), "\(error)")
        }
        XCTAssertThrowsError(try SQLiteBackup(source: source, destination: directory.file("no/such/dir/copy")).run()) { error in
            XCTAssertTrue("\(error)".contains("no directory"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy))
        XCTAssertEqual(try leftovers(), [])
    }
}

/// Inserts one row per transaction until stopped, recording each id once its commit returned.
private final class Writer: @unchecked Sendable {
    private let database: Database
    private let insert: (DatabaseConnection) throws -> Int64
    private let condition = NSCondition()
    private var ids: [Int64] = []          // guarded by condition
    private var stopping = false           // guarded by condition
    private var running = false            // guarded by condition
    private(set) var failure: Error?       // read after stop()
    private var thread: Thread?

    init(database: Database, insert: @escaping (DatabaseConnection) throws -> Int64) {
        self.database = database
        self.insert = insert
    }

    func start() {
        condition.lock(); running = true; condition.unlock()
        let thread = Thread { [self] in
            // A bound, so that a backup that never finishes fails the test instead of hanging it.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                condition.lock()
                let stop = stopping
                condition.unlock()
                if stop { break }
                do {
                    let id = try database.write { try insert($0) }
                    condition.lock()
                    ids.append(id)
                    condition.broadcast()
                    condition.unlock()
                } catch {
                    failure = error
                    break
                }
            }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        self.thread = thread
        thread.start()
    }

    var isWriting: Bool {
        condition.lock(); defer { condition.unlock() }
        return running && !stopping
    }

    func committed() -> [Int64] {
        condition.lock(); defer { condition.unlock() }
        return ids
    }

    func waitForCommits(atLeast count: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while ids.count < count && running {
            if !condition.wait(until: deadline) { break }
        }
        return ids.count >= count
    }

    func stop() {
        condition.lock()
        stopping = true
        while running { condition.wait() }
        condition.unlock()
    }
}
