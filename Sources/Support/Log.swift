import Foundation

/// One line per event on standard error, timestamped, safe from any thread.
/// Callers are responsible for never passing secrets (passwords, PINs, tokens,
/// full phone numbers): see `Redact` for the helpers that mask them.
public enum Log {
    public enum Level: Int, Comparable, Sendable {
        case debug = 0, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var minimum: Level = .info
    /// Standard error, written by a thread of its own (`LogWriter`): logging never waits for it.
    nonisolated(unsafe) private static var sink: (String) -> Void = { line in
        LogWriter.standardError.write(line)
    }

    /// Sets the lowest level written. Call once at start-up.
    public static func configure(level: Level) {
        lock.lock(); minimum = level; lock.unlock()
    }

    /// Waits (up to 2 s) until the lines logged so far are on standard error: call it before
    /// the process exits.
    public static func flush() {
        LogWriter.standardError.flush()
    }

    /// Replaces where lines go (tests capture them to check nothing secret is logged).
    public static func redirect(_ newSink: @escaping (String) -> Void) {
        lock.lock(); sink = newSink; lock.unlock()
    }

    public static func debug(_ message: @autoclosure () -> String) { if isEnabled(.debug) { write(.debug, message()) } }
    public static func info(_ message: @autoclosure () -> String) { if isEnabled(.info) { write(.info, message()) } }
    public static func warning(_ message: @autoclosure () -> String) { if isEnabled(.warning) { write(.warning, message()) } }
    public static func error(_ message: @autoclosure () -> String) { if isEnabled(.error) { write(.error, message()) } }

    /// Whether lines of `level` are written. Read without the lock (the level is set once at
    /// start-up), so a filtered line costs neither the lock nor building its message.
    public static func isEnabled(_ level: Level) -> Bool { level >= minimum }

    private static func write(_ level: Level, _ message: String) {
        lock.lock(); defer { lock.unlock() }
        guard level >= minimum else { return }
        sink("\(Timestamp.iso8601(Date())) \(level.label) \(message)")
    }
}
