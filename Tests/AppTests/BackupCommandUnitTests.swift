import Database
import XCTest
@testable import App

/// `twofa db backup`'s command line, PostgreSQL detection and progress output.
final class BackupCommandUnitTests: XCTestCase {
    func testOptions() {
        let plain = BackupCommand.Options(arguments: ["copy.sqlite3"])
        XCTAssertEqual(plain?.path, "copy.sqlite3")
        XCTAssertEqual(plain?.force, false)
        let full = BackupCommand.Options(arguments: ["--force", "b.sqlite3", "--pages-per-step", "16", "--pause-ms", "5"])
        XCTAssertEqual(full?.path, "b.sqlite3")
        XCTAssertEqual(full?.force, true)
        XCTAssertEqual(full?.pagesPerStep, 16)
        XCTAssertEqual(full?.pauseMilliseconds, 5)
        for bad in [[], ["a", "b"], ["--force"], ["a", "-f"], ["a", "--pages-per-step"], ["a", "--pages-per-step", "0"],
                    ["a", "--pause-ms", "-1"], ["a", "--pause-ms", "x"], [""]] {
            XCTAssertNil(BackupCommand.Options(arguments: bad), "\(bad)")
        }
    }

    func testPostgresURLsFromTheEnvironmentOrTheConfigFile() throws {
        XCTAssertNotNil(BackupCommand.postgresAdvice(environment: ["DATABASE_URL": "postgres://u@h/db"]))
        XCTAssertNotNil(BackupCommand.postgresAdvice(environment: ["DATABASE_URL": "postgresql://u@h:5432/db"]))
        XCTAssertNil(BackupCommand.postgresAdvice(environment: ["DATABASE_URL": "sqlite:db/x.sqlite3"]))
        XCTAssertNil(BackupCommand.postgresAdvice(environment: ["DATABASE_URL": "db/postgres.sqlite3"]))

        let root = NSTemporaryDirectory() + "twofa-backup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/config", withIntermediateDirectories: true)
        try #"{"database": "postgres://u@h/db"}"#.write(toFile: root + "/config/production.json", atomically: true, encoding: .utf8)
        let advice = BackupCommand.postgresAdvice(environment: ["APP_ROOT": root, "APP_ENV": "production"])
        XCTAssertTrue(advice?.contains(#"pg_dump --format=custom --file=twofa.dump "$DATABASE_URL""#) ?? false, advice ?? "nil")
    }

    func testPlainLinesEveryTenthWhenNotATerminal() {
        var written: [String] = []
        let progress = BackupProgress(terminal: false) { written.append($0) }
        for copied in stride(from: 10, through: 200, by: 10) {
            progress.report(SQLiteBackup.Progress(pagesCopied: copied, pageCount: 200))
        }
        progress.finish()
        XCTAssertEqual(written.count, 11, "\(written)")
        XCTAssertEqual(written.first, "backup: 10/200 pages (5%)\n")
        XCTAssertEqual(written.last, "backup: 200/200 pages (100%)\n")
    }

    func testBarRedrawnInPlaceOnATerminal() {
        var written: [String] = []
        let progress = BackupProgress(terminal: true) { written.append($0) }
        progress.report(SQLiteBackup.Progress(pagesCopied: 50, pageCount: 150))
        progress.report(SQLiteBackup.Progress(pagesCopied: 100, pageCount: 150))   // too soon: skipped
        progress.report(SQLiteBackup.Progress(pagesCopied: 150, pageCount: 150))   // the last: always drawn
        progress.finish()
        XCTAssertEqual(written, ["\r[##########--------------------]  33%  50/150 pages",
                                 "\r[##############################] 100%  150/150 pages", "\n"])
    }
}
