import Database
import Foundation
import XCTest
import TestSupport

/// `twofa db backup`, run as the built binary against the database of a running server.
final class BackupCommandTests: IntegrationTestCase {
    var copy: String { server.directory + "/backup.sqlite3" }

    override func setUpWithError() throws {
        // A SQLite command: in bin/test's PostgreSQL pass the server's data is elsewhere.
        if TestDatabase.isPostgres { throw XCTSkip("twofa db backup copies SQLite files; PostgreSQL uses pg_dump") }
        try super.setUpWithError()
    }

    func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        try TwofaCommand(server: server).launch(arguments, environment: extra)
    }

    func twofa(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try TwofaCommand(server: server).run(arguments, environment: environment)
    }

    /// The key property, end to end: while the server's database takes a steady stream of
    /// commits, the CLI's copy holds every row acknowledged before it was started, and the
    /// commits go on while it runs.
    func testBackupUnderWriteLoadHoldsEveryRowAcknowledgedBeforeItBegan() throws {
        let database = server.app.database
        try database.write { conn in
            try conn.executeScript("CREATE TABLE backup_probe (id INTEGER PRIMARY KEY, data BLOB NOT NULL);")
            // About 800 pages: at 8 pages a step with 5 ms pauses, the copy takes half a second or more.
            for _ in 0..<3000 { try conn.execute("INSERT INTO backup_probe (data) VALUES (?)", [.blob([UInt8](repeating: 7, count: 1000))]) }
        }
        let writer = ProbeWriter(database: database)
        writer.start()
        defer { writer.stop() }
        XCTAssertTrue(writer.waitForCommits(atLeast: 20, timeout: 10), "the writer got going")

        let acknowledged = writer.committed()
        let (process, out, err) = try launch(["db", "backup", copy, "--pages-per-step", "8", "--pause-ms", "5"])
        let watchdog = Watchdog(process, after: 120)   // a hung backup fails instead of hanging
        defer { watchdog.cancel() }

        // Not a terminal: a line every tenth of the way. Note the commits at the first and
        // at a later line, both while the copy is part-way through.
        var errText = ""
        var commitsAtLines: [Int] = []
        let stderr = err.fileHandleForReading
        while case let chunk = stderr.availableData, !chunk.isEmpty {
            let text = String(decoding: chunk, as: UTF8.self)
            errText += text
            for line in text.split(separator: "\n") where line.hasPrefix("backup: ") && !line.hasSuffix("(100%)") {
                commitsAtLines.append(writer.committed().count)
            }
        }
        let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertTrue(writer.isWriting, "the writer was still going when the backup ended")
        writer.stop()
        XCTAssertNil(writer.failure, "no write failed during the backup")

        XCTAssertEqual(process.terminationStatus, 0, errText)
        XCTAssertTrue(outText.contains("Backed up ") && outText.contains(" pages, ") && outText.contains(" bytes in "), outText)
        XCTAssertGreaterThanOrEqual(commitsAtLines.count, 3, "progress lines part-way through: \(errText)")
        if let first = commitsAtLines.first, let last = commitsAtLines.last {
            XCTAssertGreaterThan(last, first, "the server committed while the backup was running")
        }

        // One self-contained rollback-journal file: header bytes 18 and 19 are 1 (2 in WAL mode).
        let header = try XCTUnwrap(FileHandle(forReadingAtPath: copy)).readData(ofLength: 20)
        XCTAssertEqual(Array(header.prefix(16)), Array("SQLite format 3\0".utf8))
        XCTAssertEqual(Array(header.suffix(2)), [1, 1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy + "-wal"))

        let copied = try SQLiteDatabase(path: copy, readers: 0)
        defer { copied.close() }
        let ids = Set(try copied.read { try $0.query("SELECT id FROM backup_probe") }.compactMap { $0.int64("id") })
        XCTAssertEqual(acknowledged.filter { !ids.contains($0) }, [], "every acknowledged row is in the copy")
        XCTAssertGreaterThanOrEqual(ids.count, 3000 + acknowledged.count)
        XCTAssertEqual(try copied.read { try $0.queryOne("PRAGMA integrity_check")?.string("integrity_check") }, "ok")
        XCTAssertNotNil(try copied.read { try $0.queryOne("SELECT count(*) AS n FROM users") }, "the app's tables came too")
    }

    func testRefusesAnExistingFileWithoutForce() throws {
        try "keep me".write(toFile: copy, atomically: true, encoding: .utf8)
        let refused = try twofa(["db", "backup", copy])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("already exists (use --force to replace it)"), refused.err)
        XCTAssertEqual(try String(contentsOfFile: copy, encoding: .utf8), "keep me")

        let forced = try twofa(["db", "backup", copy, "--force"])
        XCTAssertEqual(forced.status, 0, forced.err)
        XCTAssertTrue(forced.out.contains("Backed up "), forced.out)
        let header = try XCTUnwrap(FileHandle(forReadingAtPath: copy)).readData(ofLength: 16)
        XCTAssertEqual(Array(header), Array("SQLite format 3\0".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: server.directory).filter { $0.contains(".partial") }
        XCTAssertEqual(leftovers, [])
    }

    func testPostgresDatabaseIsSentToPgDump() throws {
        for url in ["postgres://twofa@db.internal/twofa", "postgresql://twofa@db.internal:5432/twofa"] {
            let result = try twofa(["db", "backup", copy], environment: ["DATABASE_URL": url])
            XCTAssertEqual(result.status, 2)
            XCTAssertTrue(result.err.contains(#"pg_dump --format=custom --file=twofa.dump "$DATABASE_URL""#), result.err)
            XCTAssertTrue(result.err.contains("pg_restore"), result.err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: copy))
    }

    func testBadUsageExitsWith2() throws {
        for arguments in [["db"], ["db", "backup"], ["db", "backup", "a", "b"], ["db", "backup", "a", "--frob"],
                          ["db", "backup", "a", "--pages-per-step", "0"], ["db", "restore", "a"]] {
            let result = try twofa(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.err.contains("usage: twofa db backup PATH [--force]"), result.err)
        }
    }
}

/// Commits one row per transaction through the server's own database until stopped,
/// recording each id once its commit returned.
private final class ProbeWriter: @unchecked Sendable {
    private let database: Database
    private let condition = NSCondition()
    private var ids: [Int64] = []      // guarded by condition
    private var stopping = false       // guarded by condition
    private var running = false        // guarded by condition
    private(set) var failure: Error?   // read after stop()

    init(database: Database) { self.database = database }

    func start() {
        condition.lock(); running = true; condition.unlock()
        Thread { [self] in
            let deadline = Date().addingTimeInterval(90)   // a bound, should the test go wrong
            while Date() < deadline {
                condition.lock()
                let stop = stopping
                condition.unlock()
                if stop { break }
                do {
                    let id = try database.write { conn -> Int64 in
                        try conn.insert("INSERT INTO backup_probe (data) VALUES (?)", [.blob([1, 2, 3])])
                    }
                    condition.lock(); ids.append(id); condition.broadcast(); condition.unlock()
                } catch {
                    failure = error
                    break
                }
            }
            condition.lock(); running = false; condition.broadcast(); condition.unlock()
        }.start()
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
