import Foundation
import Support

/// How hard outbound delivery tries. Every bound is a number here, so the longest a
/// send can block is known: at most `maxAttempts` attempts, no attempt started unless it
/// can finish (timeout included) within `totalBudget` seconds of the first.
public struct RetryPolicy: Sendable, Equatable {
    /// Seconds one attempt may take, connect to last byte.
    public var timeout: TimeInterval
    public var maxAttempts: Int
    /// Pause before the second attempt; each later pause is `multiplier` times longer,
    /// capped at `maxBackoff`, with ±20 % jitter so many senders don't retry in step.
    public var initialBackoff: TimeInterval
    public var multiplier: Double
    public var maxBackoff: TimeInterval
    public var totalBudget: TimeInterval

    /// Defaults for a person waiting on a page: 3 attempts of ≤ 5 s, ≤ 16 s in all.
    public init(timeout: TimeInterval = 5, maxAttempts: Int = 3, initialBackoff: TimeInterval = 0.25,
                multiplier: Double = 2, maxBackoff: TimeInterval = 2, totalBudget: TimeInterval = 16) {
        self.timeout = timeout
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.multiplier = multiplier
        self.maxBackoff = maxBackoff
        self.totalBudget = totalBudget
    }

    /// The pause after failed attempt number `attempt` (1-based), before jitter.
    func backoff(after attempt: Int) -> TimeInterval {
        min(maxBackoff, initialBackoff * pow(multiplier, Double(attempt - 1)))
    }

    /// What one attempt came to.
    enum Attempt<Value> {
        case done(Value)
        case failed(DeliveryError, retryable: Bool)
    }

    /// Runs `attempt` (given its 1-based number) until it is done, fails for good, or the
    /// policy has no attempt left that could finish within the budget; then throws the last
    /// failure. An error `attempt` throws ends the run at once. Every gateway retries through
    /// this, with the same bounds and log lines (`label` names the send).
    func run<Value>(_ label: String, _ attempt: (Int) throws -> Attempt<Value>) throws -> Value {
        let started = DispatchTime.now()
        var number = 0
        while true {
            number += 1
            let failure: DeliveryError, retryable: Bool
            switch try attempt(number) {
            case .done(let value): return value
            case .failed(let error, let again): (failure, retryable) = (error, again)
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            let pause = backoff(after: number) * Double.random(in: 0.8...1.2)
            guard retryable, number < maxAttempts, elapsed + pause + timeout <= totalBudget else {
                Log.warning("\(label) failed: \(failure)")
                throw failure
            }
            Log.warning("\(label): attempt \(number) of \(maxAttempts) failed (\(failure)); "
                        + "retrying in \(String(format: "%.2f", pause)) s")
            Thread.sleep(forTimeInterval: pause)
        }
    }
}
