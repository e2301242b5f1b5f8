import Foundation
import Support

/// Fires Verify events when `next_event_wait` passes: a thread that wakes every
/// `interval` seconds and runs one `tick()`. All state is in the database, so a restart
/// just carries on. Tests skip the thread and call `tick()` after moving their clock.
/// Without an engine (VERIFY_ENGINE=vonage: Vonage runs the workflow) it does nothing.
public final class EventScheduler: @unchecked Sendable {
    private let engine: BuiltinVerifyEngine?
    private let clock: @Sendable () -> Int64
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var running = false            // guarded by condition
    private var thread: Thread?

    public init(engine: BuiltinVerifyEngine?, clock: @escaping @Sendable () -> Int64, interval: TimeInterval = 1) {
        self.engine = engine; self.clock = clock; self.interval = interval
    }

    /// One pass: fires what is due now. Errors are logged, never thrown: the next tick retries.
    @discardableResult
    public func tick() -> Int {
        guard let engine else { return 0 }
        do { return try engine.fireDueEvents(now: clock()) } catch {
            Log.error("verify scheduler: \(error)")
            return 0
        }
    }

    public func start() {
        condition.lock(); defer { condition.unlock() }
        guard !running, engine != nil else { return }
        running = true
        let thread = Thread { [weak self] in
            ThreadName.setCurrent("verify-scheduler")
            self?.loop()
        }
        self.thread = thread
        thread.start()
    }

    public func stop() {
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            if running { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
            let keepGoing = running
            condition.unlock()
            guard keepGoing else { return }
            tick()
        }
    }
}
