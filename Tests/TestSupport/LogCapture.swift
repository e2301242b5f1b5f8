import Foundation
import Support

/// Collects the process's log lines (`Log.redirect`), restoring standard error on `stop()`,
/// so tests can check the access log and what must never be logged.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    public init() {}

    public var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }

    public func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }

    public func start() { Log.redirect { [self] line in append(line) } }

    public func stop() { Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }

    /// The lines that contain any of `secrets` (a test expects none).
    public func lines(containingAnyOf secrets: [String]) -> [String] {
        lines.filter { line in secrets.contains { line.contains($0) } }
    }
}
