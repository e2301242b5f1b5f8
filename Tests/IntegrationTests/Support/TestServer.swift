import App
import Foundation
import XCTest
import HTTP
import Messaging
import Support
import TestSupport

/// A clock that stands still until a test moves it, so expiry checks ("valid at 299 s,
/// gone at 301 s") never depend on how fast a loaded machine runs the steps between.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Int64(Date().timeIntervalSince1970)

    func now() -> Int64 {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    func advance(seconds: Int64) {
        lock.lock(); current += seconds; lock.unlock()
    }
}

/// The real application on a real socket (ephemeral port) with its own database and
/// outbox in a temporary folder. One per test, stopped in tearDown.
final class TestServer {
    let directory: String
    let outboxPath: String
    /// SQLite file or PostgreSQL URL (TestDatabase).
    let databaseURL: String
    let clock: TestClock
    let app: Application
    /// False for a second instance on another server's database: the first one drops it.
    private let ownsDatabase: Bool
    let server: HTTPServer
    var port: Int { server.port }

    /// `passwords` replaces the bcrypt pool (tests fill it on purpose with a gated one).
    /// `reusing` starts on the folder (database, outbox) of an earlier server: a restart.
    /// `sharingDatabaseWith` starts another instance on the same database, outbox and clock,
    /// as several instances behind a proxy share one PostgreSQL.
    /// `gateway` replaces the SMS gateway (e.g. one that holds a text on a gate).
    init(environment overrides: [String: String] = [:], passwords: PasswordHasher? = nil,
         reusing earlier: String? = nil, sharingDatabaseWith first: TestServer? = nil, gateway: SMSGateway? = nil) throws {
        directory = earlier ?? NSTemporaryDirectory() + "twofa-it-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        outboxPath = first?.outboxPath ?? directory + "/outbox.jsonl"
        databaseURL = try first?.databaseURL ?? TestDatabase.url(for: directory)
        clock = first?.clock ?? TestClock()
        ownsDatabase = first == nil
        var environment = [
            "APP_ENV": "test",
            "APP_ROOT": Repository.root,
            "DATABASE_URL": databaseURL,
            "SMS_OUTBOX": outboxPath,
            "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
            "PORT": "0",
        ]
        environment.merge(overrides) { _, new in new }
        let config = try AppConfig.load(environment: environment)
        let clock = self.clock
        app = try Application(config: config, clock: { clock.now() }, gateway: gateway, passwords: passwords)
        server = app.makeServer()
        try server.start()
    }

    /// `keepingFiles` leaves the folder for a restarted server (`reusing:`), which removes it.
    func stop(keepingFiles: Bool = false) {
        server.shutdown()
        app.database.close()
        if !keepingFiles {
            if ownsDatabase { TestDatabase.drop(for: directory) }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    func browser() -> Browser { Browser(port: port) }

    /// Every message in the outbox, oldest first. No file yet means nothing was sent; a file
    /// that can't be read, or a line that isn't a message, fails the test instead of passing
    /// for "no SMS sent".
    func messages(file: StaticString = #filePath, line: UInt = #line) -> [[String: String]] {
        // A passwordless code is asked for after its page has answered: what a test reads
        // next must include it.
        XCTAssertTrue(app.afterResponse.wait(seconds: 30), "sends left to run after their answers finished", file: file, line: line)
        guard FileManager.default.fileExists(atPath: outboxPath) else { return [] }
        let text: String
        do {
            text = try String(contentsOfFile: outboxPath, encoding: .utf8)
        } catch {
            XCTFail("the outbox \(outboxPath) cannot be read: \(error)", file: file, line: line)
            return []
        }
        return text.split(separator: "\n").map { entry in
            guard let message = (try? JSONSerialization.jsonObject(with: Data(entry.utf8))) as? [String: String] else {
                XCTFail("not a message in the outbox: \(entry)", file: file, line: line)
                return [:]
            }
            return message
        }
    }

    /// The PIN in the newest message to `number`: a text ("… code is 123456.") or a
    /// call, whose spoken text says the digits one by one ("… code is 1, 2, 3, 4, 5, 6.").
    func lastPIN(to number: String) -> String? {
        guard let body = messages().last(where: { $0["to"] == number })?["body"] else { return nil }
        return Self.pin(in: body)
    }

    static func pin(in body: String) -> String? {
        guard let range = body.range(of: #"\b[0-9](, [0-9]){3,9}\b|\b[0-9]{4,10}\b"#, options: .regularExpression) else { return nil }
        return body[range].filter(\.isNumber)
    }

    /// Everything the database holds, as stored: the SQLite file's bytes, or a `pg_dump` of
    /// the data (where bytes appear as hex). For checks that no secret is stored in clear.
    func databaseContents() throws -> Data {
        guard TestDatabase.isPostgres else {
            // The write-ahead log too: recent writes live there until a checkpoint.
            let wal = databaseURL + "-wal"
            let walBytes = FileManager.default.fileExists(atPath: wal) ? try Data(contentsOf: URL(fileURLWithPath: wal)) : Data()
            return try Data(contentsOf: URL(fileURLWithPath: databaseURL)) + walBytes
        }
        let dump = try Subprocess.run("/usr/bin/pg_dump", ["--data-only", "--dbname=" + databaseURL])
        guard dump.status == 0, !dump.outData.isEmpty else { throw TestDatabase.DumpFailed() }
        return dump.outData
    }

    /// Waits until no Verify event is still on its way to the gateway (claimed, not yet marked
    /// sent or failed), after the sends requests left to run after their answers (passwordless codes).
    func awaitDeliveries(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(app.afterResponse.wait(seconds: 30), "sends left to run after their answers finished", file: file, line: line)
        eventually("every claimed Verify event was delivered", file: file, line: line) {
            (try? app.database.read {
                try $0.queryOne("SELECT count(*) AS n FROM verify_events WHERE status = 'claimed'")?.int("n")
            }) == 0
        }
    }

    /// One pass of the Verify scheduler at the test clock's time (the thread isn't started in tests).
    @discardableResult
    func tick() -> Int { app.scheduler.tick() }
}

extension TestServer {
    /// One pass of the retention pruner at the test clock's time (the thread isn't started in tests).
    @discardableResult
    func prune() throws -> Pruner.Report { try app.pruner.run() }
}
