import Foundation
import Support

/// Collects log lines (restored to standard error afterwards) to check what is never logged.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }

    func start() { Log.redirect { [self] line in lock.lock(); stored.append(line); lock.unlock() } }

    func stop() { Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }
}
