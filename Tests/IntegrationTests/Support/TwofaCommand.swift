import Foundation
import XCTest

/// The built `twofa` binary, run as an operator would against a test server's database
/// and outbox (its DATABASE_URL, whichever engine), with `environment` on top.
struct TwofaCommand {
    static var binary: String { TestServer.repositoryRoot + "/.build/debug/twofa" }

    let server: TestServer
    var environment: [String: String] = [:]

    /// Starts the command; the caller reads the pipes and waits.
    func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw XCTSkip("build the executable first (bin/test does): \(Self.binary)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        var variables = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "APP_ENV": "test", "APP_ROOT": TestServer.repositoryRoot,
            "DATABASE_URL": server.databaseURL, "SMS_OUTBOX": server.outboxPath,
            "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
        ]
        variables.merge(environment) { _, new in new }
        variables.merge(extra) { _, new in new }
        process.environment = variables
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Runs the command to the end.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let (process, out, err) = try launch(arguments, environment: extra)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
