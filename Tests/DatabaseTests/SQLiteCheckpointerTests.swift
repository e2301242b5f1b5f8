import Foundation
import XCTest
import Support
import TestSupport
@testable import Database

/// `SQLiteCheckpointer`: with SQLite's automatic checkpoint replaced by a thread of its own, the
/// WAL still gets copied into the database file once it passes 1,000 pages.
final class SQLiteCheckpointerTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var path: String!
    private var db: SQLiteDatabase!

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        path = directory.file("checkpoint.sqlite3")
        // The restart at 4,000 pages (16 MB) rather than the default 16,000, so that writing
        // three times that stays quick.
        db = try SQLiteDatabase(path: path, readers: 1, walRestartPages: 4_000)
        try db.write { try $0.executeScript("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL);") }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    private func size(of file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
    }

    func testTheWALIsCopiedIntoTheDatabaseFile() throws {
        let fileSize = { self.size(of: self.path) }
        let before = fileSize()
        // About 1,500 pages of 4 KB, one write transaction each 40 KB: only a checkpoint moves
        // them from the WAL into the database file.
        for _ in 0..<150 {
            try db.write { try $0.execute("INSERT INTO blobs (data) VALUES (?)", [.blob([UInt8](repeating: 7, count: 40_000))]) }
        }
        eventually("the WAL copied into the database file (still \(fileSize()) bytes)") { fileSize() > before + 2_000_000 }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM blobs", [])?.int("n") }, 150)
    }

    /// Under writes that never pause, a checkpoint beside the writer never quite catches up, and
    /// SQLite only starts the WAL over after one has: without the writer's RESTART checkpoint the
    /// WAL file grew by everything written (2.4 GB in 30 s of Verify starts; 217 MB here). With
    /// it, the file stops growing once the restart comes. That is some way past the restart mark
    /// (4,000 pages here): the writer goes on while the checkpointer syncs and catches up first,
    /// and on a slow host the file reached 27–45 MB. So the file must stay under a third of what
    /// is written, and the WAL header's checkpoint sequence, which each restart moves on, must
    /// have moved. (Half as many writes, under a 36 MB mark, failed on that host.)
    func testTheWALStartsOverUnderWritesThatNeverPause() throws {
        // Inserts of about 24,000 pages (96 MB) in transactions of ten pages, and their deletes,
        // as fast as they go.
        let blob = [UInt8](repeating: 7, count: 40_000)
        for _ in 0..<2_400 {
            try db.write { try $0.execute("INSERT INTO blobs (data) VALUES (?)", [.blob(blob)]) }
            try db.write { try $0.execute("DELETE FROM blobs WHERE id = (SELECT min(id) FROM blobs)", []) }
        }
        let wal = try XCTUnwrap(FileHandle(forReadingAtPath: path + "-wal"))
        defer { try? wal.close() }
        let header = wal.readData(ofLength: 16)
        XCTAssertEqual(header.count, 16)
        let sequence = header.suffix(4).reduce(0) { $0 << 8 | Int($1) }   // big-endian, bytes 12–15
        XCTAssertGreaterThan(sequence, 0, "the WAL was never started over")
        XCTAssertLessThan(size(of: path + "-wal"), 72_000_000, "the WAL grew by most of what was written: it started over too late")
    }

    /// The restart holds every write, so the slow part is done before it, beside the writer: the
    /// database file's sync (SQLite's PASSIVE checkpoints never sync it; the restart's own sync
    /// flushed everything copied since the last restart) and catch-up passes. Each restart says so
    /// in a debug line.
    func testTheDatabaseFileIsSyncedBeforeTheWriterIsHeldForARestart() throws {
        let logs = LogCapture()
        logs.start()
        Log.configure(level: .debug)
        defer { Log.configure(level: .info); logs.stop() }
        let blob = [UInt8](repeating: 7, count: 40_000)
        for _ in 0..<1_200 {
            try db.write { try $0.execute("INSERT INTO blobs (data) VALUES (?)", [.blob(blob)]) }
            try db.write { try $0.execute("DELETE FROM blobs WHERE id = (SELECT min(id) FROM blobs)", []) }
        }
        let restarts = logs.lines.filter { $0.contains("SQLite WAL restart:") }
        XCTAssertFalse(restarts.isEmpty, "no restart in 12,000 pages with the restart at 4,000")
        for line in restarts {
            XCTAssertTrue(line.contains("the database file synced in"), line)
            XCTAssertTrue(line.contains("catch-up pass"), line)
        }
        XCTAssertTrue(restarts.contains { $0.contains("restart: done") }, restarts.joined(separator: "\n"))
    }
}
