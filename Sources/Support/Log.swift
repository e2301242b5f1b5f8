import Foundation
import Synchronization

/// One line per event on standard error, timestamped, safe from any thread.
/// Callers are responsible for never passing secrets (passwords, PINs, tokens,
/// full phone numbers): see `Redact` for the helpers that mask them.
public enum Log {
    public enum Level: Int, Comparable, Sendable {
        case debug = 0, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String {
            switch self { case .debug: "DEBUG"; case .info: "INFO"; case .warning: "WARN"; case .error: "ERROR" }
        }
        /// The `level` of a JSON line.
        var name: String {
            switch self { case .debug: "debug"; case .info: "info"; case .warning: "warning"; case .error: "error" }
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var minimum: Level = .info
    nonisolated(unsafe) private static var lineFormat: LogLine.Format = .text
    nonisolated(unsafe) private static var instance = ""
    /// Where lines go once `redirect` was called; until then (as in production) they go
    /// straight to standard error's `LogWriter`, without this lock.
    nonisolated(unsafe) private static var sink: ((String) -> Void)?   // guarded by lock
    private static let redirected = Atomic<Bool>(false)

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

    /// Writes the lines logged so far to standard error and waits (up to `timeout` seconds)
    /// until they are there: call it before the process exits (`timeout: 0` only starts the
    /// write). Info lines otherwise reach it in batches, up to `LogWriter.defaultDelay` later;
    /// warnings and errors at once.
    public static func flush(timeout: Double = 2) {
        LogWriter.standardError.flush(timeout: timeout)
    }

    /// Replaces where lines go (tests capture them to check nothing secret is logged).
    public static func redirect(_ newSink: @escaping (String) -> Void) {
        lock.lock(); sink = newSink; lock.unlock()
        redirected.store(true, ordering: .releasing)
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

    /// An info line whose message `append` writes as bytes: the access log's, one a request,
    /// with no String built for its message, its time or the line (text lines; a JSON line is
    /// made from the same message, without fields: those take `info(_:fields:)`).
    public static func info(capacity: Int, _ append: (inout [UInt8]) -> Void) {
        guard isEnabled(.info) else { return }
        guard lineFormat == .text else {
            var message: [UInt8] = []
            append(&message)
            return write(.info, String(decoding: message, as: UTF8.self))
        }
        let line = LogLine.text(time: Date(), level: .info, capacity: capacity, message: append)
        guard redirected.load(ordering: .acquiring) else {
            LogWriter.standardError.write(line)
            return
        }
        let text = String(decoding: line, as: UTF8.self)
        lock.lock(); defer { lock.unlock() }
        sink?(text)
    }

    /// Whether lines of `level` are written. Read without the lock (the level is set once at
    /// start-up), so a filtered line costs neither the lock nor building its message.
    public static func isEnabled(_ level: Level) -> Bool { level >= minimum }

    /// The line is formatted before any lock is taken; the writer's own lock keeps each
    /// thread's lines in order.
    private static func write(_ level: Level, _ message: String, fields: [(String, LogLine.Value)] = []) {
        guard level >= minimum else { return }
        let line: String
        switch lineFormat {
        case .text: line = LogLine.text(time: Date(), level: level, message: message)
        case .json:
            lock.lock(); let instance = self.instance; lock.unlock()   // a String: not read torn
            line = LogLine.json(time: Date(), level: level, instance: instance, message: message, fields: fields)
        }
        guard redirected.load(ordering: .acquiring) else {
            LogWriter.standardError.write(line, urgent: level >= .warning)
            return
        }
        lock.lock(); defer { lock.unlock() }
        sink?(line)
    }
}
