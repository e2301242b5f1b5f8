import Foundation
import XCTest
import TestSupport
@testable import Database

/// `SQLiteCheckpointer`: with SQLite's automatic checkpoint replaced by a thread of its own, the
/// WAL still gets copied into the database file once it passes 1,000 pages.
final class SQLiteCheckpointerTests: XCTestCase {
    func testTheWALIsCopiedIntoTheDatabaseFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("checkpoint.sqlite3")
        let db = try SQLiteDatabase(path: path, readers: 1)
        defer { db.close() }
        try db.write { try $0.executeScript("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL);") }
        let fileSize = { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let before = fileSize()
        // About 1,500 pages of 4 KB, one write transaction each 40 KB: only a checkpoint moves
        // them from the WAL into the database file.
        for _ in 0..<150 {
            try db.write { try $0.execute("INSERT INTO blobs (data) VALUES (?)", [.blob([UInt8](repeating: 7, count: 40_000))]) }
        }
        eventually("the WAL copied into the database file (still \(fileSize()) bytes)") { fileSize() > before + 2_000_000 }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM blobs", [])?.int("n") }, 150)
    }
}
