import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs another program (the built `twofa`, python3, openssl) with pipes on its output and a
/// watchdog: a child that outlives `timeout` is killed, and the run throws instead of hanging.
public enum Subprocess {
    public struct Result {
        public let status: Int32
        /// Standard output as it came (openssl writes binary signatures there).
        public let outData: Data
        public let err: String
        public var out: String { String(decoding: outData, as: UTF8.self) }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable`; the caller reads the pipes and waits. `environment` nil: ours.
    public static func launch(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                              input: Data? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        return (process, out, err)
    }

    /// Runs to the end and returns the status and both outputs.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: Data? = nil, timeout: Double = 120) throws -> Result {
        let (process, out, err) = try launch(executable, arguments, environment: environment, input: input)
        return try finish(process, out: out, err: err, timeout: timeout, what: ([executable] + arguments).joined(separator: " "))
    }

    /// Reads both pipes to the end (concurrently, so neither fills up) and waits for the exit;
    /// kills the process and throws when it takes longer than `timeout`.
    public static func finish(_ process: Process, out: Pipe, err: Pipe, timeout: Double, what: String) throws -> Result {
        let group = DispatchGroup()
        let errData = Box()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let watchdog = Watchdog(process, after: timeout)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        watchdog.cancel()
        if watchdog.fired { throw TimedOut(description: "\(what) did not finish within \(timeout) s; killed") }
        return Result(status: process.terminationStatus, outData: outData, err: String(decoding: errData.data, as: UTF8.self))
    }

    /// Standard error, read on another thread (handed over through the group's wait).
    private final class Box: @unchecked Sendable { var data = Data() }

    /// Waits for `process` to exit; kills it and throws after `timeout`.
    public static func waitForExit(_ process: Process, timeout: Double, what: String) throws {
        let watchdog = Watchdog(process, after: timeout)
        process.waitUntilExit()
        watchdog.cancel()
        if watchdog.fired { throw TimedOut(description: "\(what) did not exit within \(timeout) s; killed") }
    }
}

/// SIGKILLs a process that is still running after a deadline, so a hang fails a test
/// instead of stalling the whole suite.
public final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var didFire = false

    public init(_ process: Process, after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            lock.lock(); defer { lock.unlock() }
            guard !cancelled, process.isRunning else { return }
            didFire = true
            kill(process.processIdentifier, SIGKILL)
        }
    }

    public var fired: Bool { lock.lock(); defer { lock.unlock() }; return didFire }

    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
}
