import Dispatch

/// Work a request leaves to run after its answer (a passwordless code's send, so that the page
/// answers a known and an unknown number in the same time). Counted, so that shutdown lets it
/// finish and tests can wait for it.
public final class AfterResponse: @unchecked Sendable {
    private let group = DispatchGroup()

    public init() {}

    func run(_ work: @escaping @Sendable () -> Void) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [group] in
            work()
            group.leave()
        }
    }

    /// Waits up to `seconds` for the work in flight; false if some was still running.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }
}
