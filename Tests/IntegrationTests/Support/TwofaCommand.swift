import Foundation
import XCTest
import TestSupport

/// The built `twofa` binary, run as an operator would against a test server's database
/// and outbox (its DATABASE_URL, whichever engine), with `environment` on top.
struct TwofaCommand {
    let server: TestServer
    var environment: [String: String] = [:]

    /// Starts the command; the caller reads the pipes and waits.
    func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        var variables = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "APP_ENV": "test", "APP_ROOT": Repository.root,
            "DATABASE_URL": server.databaseURL, "SMS_OUTBOX": server.outboxPath,
            "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
        ]
        variables.merge(environment) { _, new in new }
        variables.merge(extra) { _, new in new }
        return try TwofaProcess.launch(arguments, environment: variables)
    }

    /// Runs the command to the end.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let (process, out, err) = try launch(arguments, environment: extra)
        let result = try Subprocess.finish(process, out: out, err: err, timeout: 300, what: "twofa \(arguments.joined(separator: " "))")
        return (result.status, result.out, result.err)
    }
}
