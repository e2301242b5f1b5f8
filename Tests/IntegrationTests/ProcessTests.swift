import Foundation
import XCTest

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

    var binary: String { TestServer.repositoryRoot + "/.build/debug/twofa" }

    func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("build the executable first (bin/test does): \(binary)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "APP_ENV": "test", "APP_ROOT": TestServer.repositoryRoot, "PORT": "0",
            "DATABASE_URL": directory + "/db.sqlite3", "SMS_OUTBOX": directory + "/outbox.jsonl",
        ]
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let (process, out, err) = try launch(arguments, environment: environment)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
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
            try fm.copyItem(atPath: TestServer.repositoryRoot + "/" + folder, toPath: root + "/" + folder)
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

    func testSIGTERMFinishesAndExitsZero() throws {
        let (process, port, _, _) = try serve()
        XCTAssertEqual(try HTTPClient.request(port: port, method: "GET", path: "/session/new").status, 200)

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
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

    /// `twofa serve`, once it has said where it listens: the process, its port, its stderr and
    /// what it wrote there so far.
    func serve(environment: [String: String] = [:]) throws -> (Process, Int, Pipe, String) {
        let (process, _, err) = try launch(["serve"], environment: environment)
        var log = ""
        let deadline = Date().addingTimeInterval(15)
        while !log.contains("twofa listening on"), Date() < deadline {   // main.swift's line, after the signal handler
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        let portText = try XCTUnwrap(log.range(of: #"127\.0\.0\.1:[0-9]+"#, options: .regularExpression).map { log[$0] })
        let port = try XCTUnwrap(Int(portText.split(separator: ":")[1]))
        return (process, port, err, log)
    }
}
