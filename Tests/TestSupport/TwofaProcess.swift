import Foundation

/// The built `twofa` executable run as a child process, as an operator or a supervisor would:
/// a command run to its end, or `twofa serve` once it has said where it listens.
public enum TwofaProcess {
    public struct NotListening: Error, CustomStringConvertible { public let description: String }

    /// Starts `twofa arguments` with exactly `environment`; the caller reads the pipes and waits.
    public static func launch(_ arguments: [String], environment: [String: String]) throws -> (Process, Pipe, Pipe) {
        try Subprocess.launch(try Repository.twofaBinary(), arguments, environment: environment)
    }

    /// Runs `twofa arguments` to its end; a run longer than `timeout` is killed and throws.
    public static func run(_ arguments: [String], environment: [String: String], timeout: Double = 300) throws -> Subprocess.Result {
        let (process, out, err) = try launch(arguments, environment: environment)
        return try Subprocess.finish(process, out: out, err: err, timeout: timeout,
                                     what: "twofa \(arguments.joined(separator: " "))")
    }

    /// `twofa serve` (PORT=0 in `environment` picks a free port), once it has said where it
    /// listens: the process, its port, its stderr and what it wrote there so far. A server
    /// that doesn't get there within `timeout` is killed and this throws.
    public static func serve(environment: [String: String], timeout: Double = 120) throws
        -> (process: Process, port: Int, stderr: Pipe, log: String) {
        let (process, _, err) = try launch(["serve"], environment: environment)
        let watchdog = Watchdog(process, after: timeout)   // its kill ends the reads below
        defer { watchdog.cancel() }
        var log = ""
        while !log.contains("twofa listening on") {   // main.swift's line, after the signal handler
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        guard !watchdog.fired, let range = log.range(of: #"127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
              let port = Int(log[range].split(separator: ":")[1]) else {
            if process.isRunning { process.terminate() }
            throw NotListening(description: "twofa serve did not say where it listens within \(timeout) s: \(log)")
        }
        return (process, port, err, log)
    }
}
