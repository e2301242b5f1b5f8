import App
import Foundation
import HTTP
import Support

/// A clock the tests move forward to expire PINs and sessions without waiting.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Int64 = 0

    func now() -> Int64 {
        lock.lock(); defer { lock.unlock() }
        return Int64(Date().timeIntervalSince1970) + offset
    }

    func advance(seconds: Int64) {
        lock.lock(); offset += seconds; lock.unlock()
    }
}

/// The real application on a real socket (ephemeral port) with its own database and
/// outbox in a temporary folder. One per test, stopped in tearDown.
final class TestServer {
    let directory: String
    let outboxPath: String
    let clock = TestClock()
    let app: Application
    let server: HTTPServer
    var port: Int { server.port }

    static var repositoryRoot: String {
        // Tests/IntegrationTests/Support/TestServer.swift → the repository.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    init(environment overrides: [String: String] = [:]) throws {
        directory = NSTemporaryDirectory() + "twofa-it-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        outboxPath = directory + "/outbox.jsonl"
        var environment = [
            "APP_ENV": "test",
            "APP_ROOT": Self.repositoryRoot,
            "DATABASE_URL": directory + "/test.sqlite3",
            "SMS_OUTBOX": outboxPath,
            "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
            "PORT": "0",
        ]
        environment.merge(overrides) { _, new in new }
        let config = try AppConfig.load(environment: environment)
        let clock = self.clock
        app = try Application(config: config, clock: { clock.now() })
        server = app.makeServer()
        try server.start()
    }

    func stop() {
        server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func browser() -> Browser { Browser(port: port) }

    /// Every message in the outbox, oldest first.
    func messages() -> [[String: String]] {
        guard let text = try? String(contentsOfFile: outboxPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String]
        }
    }

    /// The PIN in the newest message to `number`.
    func lastPIN(to number: String) -> String? {
        guard let body = messages().last(where: { $0["to"] == number })?["body"],
              let range = body.range(of: #"\b[0-9]{6}\b"#, options: .regularExpression) else { return nil }
        return String(body[range])
    }
}
