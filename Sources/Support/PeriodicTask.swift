import Foundation

/// Background work done every `interval` seconds on a thread of its own, until `stop()`: the
/// Verify scheduler's pass and the pruner's. Tests skip the thread and call the pass directly.
///
/// A pass that fails (the database is down) logs one WARNING, then nothing until a pass works
/// again, which one INFO line says: an outage of a few minutes doesn't fill the log with a
/// line per second, and the work resumes by itself.
public final class PeriodicTask: @unchecked Sendable {
    private let name: String
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var running = false       // guarded by condition
    private var failing = false       // guarded by condition: a WARNING was logged, none until it recovers
    private var thread: Thread?

    /// `name` names the thread and starts its log lines.
    public init(name: String, interval: TimeInterval) {
        self.name = name; self.interval = interval
    }

    /// Starts the thread, which runs `pass` every `interval` seconds (the first after one interval).
    public func start(_ pass: @escaping @Sendable () -> Void) {
        condition.lock(); defer { condition.unlock() }
        guard !running else { return }
        running = true
        let name = self.name
        let thread = Thread { [weak self] in
            ThreadName.setCurrent(name)
            self?.loop(pass)
        }
        self.thread = thread
        thread.start()
    }

    /// Stops the thread after the pass it may be in.
    public func stop() {
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// Runs one pass's `body`, logging its failure as the type's comment says; nil when it failed.
    public func attempt<T>(_ body: () throws -> T) -> T? {
        do {
            let result = try body()
            condition.lock()
            let recovered = failing
            failing = false
            condition.unlock()
            if recovered { Log.info("\(name): the database answers again; resumed") }
            return result
        } catch {
            condition.lock()
            let first = !failing
            failing = true
            condition.unlock()
            if first {
                Log.warning("\(name): pass failed (\(error)); retrying every \(Self.seconds(interval)) without logging again until it works")
            }
            return nil
        }
    }

    private func loop(_ pass: @Sendable () -> Void) {
        while true {
            condition.lock()
            if running { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
            let keepGoing = running
            condition.unlock()
            guard keepGoing else { return }
            pass()
        }
    }

    private static func seconds(_ interval: TimeInterval) -> String {
        interval >= 1 ? "\(Int(interval)) s" : "\(Int(interval * 1000)) ms"
    }
}
