import Foundation
import XCTest
import TestSupport

/// The `twofa` executable itself: start-up failures, signals, the CLI.
final class ProcessTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "twofa-proc-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The environment of a run on this test's folder, with `extra` on top.
    func environment(_ extra: [String: String]) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "APP_ENV": "test", "APP_ROOT": Repository.root, "PORT": "0",
            "DATABASE_URL": directory + "/db.sqlite3", "SMS_OUTBOX": directory + "/outbox.jsonl",
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs the built binary (located by SwiftPM; a missing one fails the test) to its end.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let result = try TwofaProcess.run(arguments, environment: environment(extra), timeout: 120)
        return (result.status, result.out, result.err)
    }

    func testProductionWithoutSecretStopsWithExitCode1() throws {
        let result = try run(["serve"], environment: ["APP_ENV": "production", "SMS_GATEWAY": "outbox"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.contains("SECRET_KEY_BASE is required in production"), result.err)
    }

    func testBadConfigurationValueStopsStartUp() throws {
        let result = try run(["serve"], environment: ["BCRYPT_COST": "three"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.contains("BCRYPT_COST must be a whole number"), result.err)
        let env = try run(["serve"], environment: ["APP_ENV": "staging"])
        XCTAssertEqual(env.status, 1)
        XCTAssertTrue(env.err.contains("APP_ENV must be"), env.err)
        let proxies = try run(["serve"], environment: ["TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"])
        XCTAssertEqual(proxies.status, 1)
        XCTAssertTrue(proxies.err.contains("\"proxy.internal\" is not an IP address or CIDR"), proxies.err)
        let format = try run(["serve"], environment: ["LOG_FORMAT": "logfmt"])
        XCTAssertEqual(format.status, 1)
        XCTAssertTrue(format.err.contains("LOG_FORMAT"), format.err)
    }

    func testTemplateErrorStopsStartUpWithFileAndLine() throws {
        // A copy of the app's folders with one broken template.
        let root = directory + "/app"
        let fm = FileManager.default
        for folder in ["config", "Views", "Migrations", "public"] {
            try fm.copyItem(atPath: Repository.root + "/" + folder, toPath: root + "/" + folder)
        }
        try "<p>\n{{#if oops}}\nnever closed\n".write(toFile: root + "/Views/pages/index.html", atomically: true, encoding: .utf8)
        let result = try run(["serve"], environment: ["APP_ROOT": root])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.contains("pages/index.html:2"), result.err)
    }

    func testDevelopmentSecretIsGeneratedOnceWithMode0600() throws {
        let first = try run(["migrate"], environment: ["APP_ENV": "development"])
        XCTAssertEqual(first.status, 0, first.err)
        let path = directory + "/secret_key_base"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let secret = try String(contentsOfFile: path, encoding: .utf8)
        _ = try run(["migrate"], environment: ["APP_ENV": "development"])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), secret, "kept, not regenerated")
    }

    func testMigrateThenNothingToMigrate() throws {
        let first = try run(["migrate"])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.out.contains("Applied 0001_create_users.sql"), first.out)
        let second = try run(["migrate"])
        XCTAssertEqual(second.out.trimmingCharacters(in: .whitespacesAndNewlines), "Nothing to migrate.")
    }

    func testRoutesListsFilters() throws {
        let result = try run(["routes"])
        XCTAssertEqual(result.status, 0)
        let line = try XCTUnwrap(result.out.split(separator: "\n").first { $0.contains("users#edit") })
        XCTAssertTrue(line.contains("GET") && line.contains("/user/edit"))
        XCTAssertTrue(line.contains("requireLogin, requireSecondFactor"), String(line))
        XCTAssertTrue(result.out.contains("DELETE  /session"))
    }

    /// SIGTERM and SIGINT each stop the server gracefully: a login already with a worker (a
    /// bcrypt at a high cost) still gets its answer, and the process exits 0. A hang fails the
    /// test through a watchdog instead of stalling the suite.
    func testSIGTERMAndSIGINTLetARequestInFlightFinishAndExitZero() throws {
        for (name, signal) in [("SIGTERM", SIGTERM), ("SIGINT", SIGINT)] {
            let (process, port, _, _) = try serve(environment: ["BCRYPT_COST": "14"])
            let watchdog = Watchdog(process, after: 120)
            defer { watchdog.cancel() }

            // The login form's cookie and token, so the POST gets past CSRF to bcrypt.
            let form = try HTTPClient.request(port: port, method: "GET", path: "/session/new")
            let cookie = try XCTUnwrap(form.header("set-cookie")?.components(separatedBy: ";").first)
            let token = try XCTUnwrap(form.body.range(of: #"(?<=name="authenticity_token" value=")[^"]+"#,
                                                      options: .regularExpression).map { String(form.body[$0]) })
            let body = Browser.encode([("username", "nobody"), ("password", "not the password"), ("authenticity_token", token)])
            // Pipelined behind a page the event loop answers itself: once that answer is here, the
            // loop has already handed the buffered login to a worker (the same pass, before it can
            // see any signal), so the login is in flight when the signal arrives.
            let connection = try RawClient(port: port, timeout: 60)
            try connection.send("GET /session/new HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /session HTTP/1.1\r\nHost: x\r\nCookie: \(cookie)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            XCTAssertEqual(try connection.readResponse()?.status, 200, name)

            kill(process.processIdentifier, signal)
            let login = try XCTUnwrap(try connection.readResponse(), "\(name): the login in flight got no answer")
            XCTAssertEqual(login.status, 422, "\(name): the wrong password's answer, in full: \(login.text)")
            XCTAssertTrue(login.text.contains("That username and password don&#39;t match an account."), "\(name): \(login.text)")
            XCTAssertEqual(login.header("Connection"), "close", "\(name): no keep-alive while shutting down")
            try Subprocess.waitForExit(process, timeout: 120, what: "twofa serve after \(name)")
            XCTAssertFalse(watchdog.fired, "\(name): twofa serve hung and was killed")
            XCTAssertEqual(process.terminationReason, .exit, name)
            XCTAssertEqual(process.terminationStatus, 0, name)
        }
    }

    func testJSONLogLines() throws {
        let (process, port, err, early) = try serve(environment: ["LOG_FORMAT": "json", "INSTANCE_NAME": "it-1"])
        let response = try HTTPClient.request(port: port, method: "GET", path: "/session/new?token=s3cret")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let all = early + String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let objects = try all.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
        XCTAssertTrue(objects.allSatisfy { $0["instance"] as? String == "it-1" && $0["time"] is String && $0["level"] is String })
        let access = try XCTUnwrap(objects.first { $0["route"] as? String == "/session/new" }, all)
        XCTAssertEqual(access["request_id"] as? String, response.header("x-request-id"))
        XCTAssertEqual(access["method"] as? String, "GET")
        XCTAssertEqual(access["status"] as? Int, 200)
        XCTAssertEqual(access["client"] as? String, "127.0.0.x", "the client is masked")
        XCTAssertNotNil(access["duration_ms"] as? NSNumber)
        XCTAssertFalse(all.contains("s3cret"), "the query string is never logged")
    }

    /// `twofa serve` on this test's folder, once it has said where it listens.
    func serve(environment extra: [String: String] = [:]) throws -> (Process, Int, Pipe, String) {
        let served = try TwofaProcess.serve(environment: environment(extra))
        return (served.process, served.port, served.stderr, served.log)
    }
}
