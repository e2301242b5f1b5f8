import Foundation
import XCTest
@testable import Database

/// The database holds password digests and keys: it and the -wal and -shm files SQLite
/// makes beside it are created mode 0600 whatever the umask lets through (issue 13).
final class SQLiteFileModeTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var savedUmask: mode_t = 0

    override func setUp() {
        directory = TemporaryDirectory()
        savedUmask = umask(0o022)   // the usual one, which leaves new files readable by all
    }

    override func tearDown() {
        umask(savedUmask)
        directory = nil
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try XCTUnwrap(attributes[.posixPermissions] as? Int)
    }

    func testDatabaseAndItsWALAndSHMAreOwnerOnly() throws {
        let path = directory.file("app.sqlite3")
        let db = try SQLiteDatabase(path: path, readers: 2)
        defer { db.close() }
        // The -wal and -shm exist once something was written.
        try db.write { try $0.executeScript(ItemsTable.schema) }
        try db.write { _ = try $0.insert("INSERT INTO items (name) VALUES (?)", [.text("x")]) }
        for file in [path, path + "-wal", path + "-shm"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: file), file)
            let found = try mode(file)
            XCTAssertEqual(found, 0o600, "\(file) is mode \(String(found, radix: 8))")
        }
    }

    func testBackupCopyIsOwnerOnly() throws {
        let path = directory.file("app.sqlite3")
        let db = try SQLiteDatabase(path: path, readers: 1)
        try db.write { try $0.executeScript(ItemsTable.schema) }
        db.close()
        let copy = directory.file("copy.sqlite3")
        _ = try SQLiteBackup(source: path, destination: copy).run()
        XCTAssertEqual(try mode(copy), 0o600)
    }
}
