import Foundation
import Support

/// Fires Verify events when `next_event_wait` passes: a thread that wakes every
/// `interval` seconds and runs one `tick()`. All state is in the database, so a restart
/// just carries on. Tests skip the thread and call `tick()` after moving their clock.
/// Without an engine (VERIFY_ENGINE=vonage: Vonage runs the workflow) it does nothing.
public final class EventScheduler: @unchecked Sendable {
    private let engine: BuiltinVerifyEngine?
    private let clock: @Sendable () -> Int64
    private let task: PeriodicTask

    public init(engine: BuiltinVerifyEngine?, clock: @escaping @Sendable () -> Int64, interval: TimeInterval = 1) {
        self.engine = engine; self.clock = clock
        task = PeriodicTask(name: "verify-scheduler", interval: interval)
    }

    /// One pass: fires what is due now. Errors are logged (once per outage), never thrown: the next tick retries.
    @discardableResult
    public func tick() -> Int {
        guard let engine else { return 0 }
        let now = clock()
        return task.attempt { try engine.fireDueEvents(now: now) } ?? 0
    }

    public func start() {
        guard engine != nil else { return }
        task.start { [weak self] in self?.tick() }
    }

    public func stop() { task.stop() }
}
