import Foundation

/// One line per event on standard error, timestamped, safe from any thread.
/// Callers are responsible for never passing secrets (passwords, PINs, tokens,
/// full phone numbers): see `Redact` for the helpers that mask them.
public enum Log {
    public enum Level: Int, Comparable, Sendable {
        case debug = 0, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }
        /// The `level` of a JSON line.
        var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var minimum: Level = .info
    nonisolated(unsafe) private static var lineFormat: LogLine.Format = .text
    nonisolated(unsafe) private static var instance = ""
    /// Standard error, written by a thread of its own (`LogWriter`): logging never waits for it.
    nonisolated(unsafe) private static var sink: (String) -> Void = { line in
        LogWriter.standardError.write(line)
    }

    /// Sets the lowest level written. Call once at start-up.
    public static func configure(level: Level) {
        lock.lock(); minimum = level; lock.unlock()
    }

    /// Sets how lines are written (LOG_FORMAT) and, for JSON lines, the `instance` field.
    /// Call once at start-up.
    public static func configure(format: LogLine.Format, instance: String) {
        lock.lock(); lineFormat = format; self.instance = instance; lock.unlock()
    }

    /// Read without the lock, like the level: set once at start-up.
    public static var format: LogLine.Format { lineFormat }

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

    /// An info line with fields of its own for JSON lines (text lines show only `message`,
    /// so the fields are not even built for them).
    public static func info(_ message: @autoclosure () -> String, fields: @autoclosure () -> [(String, LogLine.Value)]) {
        guard isEnabled(.info) else { return }
        write(.info, message(), fields: lineFormat == .json ? fields() : [])
    }

    /// Whether lines of `level` are written. Read without the lock (the level is set once at
    /// start-up), so a filtered line costs neither the lock nor building its message.
    public static func isEnabled(_ level: Level) -> Bool { level >= minimum }

    private static func write(_ level: Level, _ message: String, fields: [(String, LogLine.Value)] = []) {
        lock.lock(); defer { lock.unlock() }
        guard level >= minimum else { return }
        switch lineFormat {
        case .text: sink(LogLine.text(time: Date(), level: level, message: message))
        case .json: sink(LogLine.json(time: Date(), level: level, instance: instance, message: message, fields: fields))
        }
    }
}
