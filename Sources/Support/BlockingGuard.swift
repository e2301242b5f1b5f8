import Glibc

/// Event-loop threads answer quick requests themselves, without handing them to a worker.
/// While they do, nothing that can block (a database write, bcrypt, a call to a provider)
/// may run there: such code calls `BlockingGuard.check()` first, which on a loop thread
/// throws `WouldBlock` and remembers that it did. The HTTP layer then throws the answer
/// away and runs the request again, from the start, on the worker pool.
///
/// That re-run is why only requests without side effects before their first blocking
/// call may be answered on a loop: page views that read (the app lists them).
public enum BlockingGuard {
    public struct WouldBlock: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "blocking work attempted on an event-loop thread" }
    }

    /// nil: an ordinary thread. `active`: a loop answering a request. `tripped`: something
    /// called `check()` during that request.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()
    private static let active = UnsafeMutableRawPointer(bitPattern: 1)
    private static let tripped = UnsafeMutableRawPointer(bitPattern: 2)

    /// Throws on a thread inside `withoutBlocking`; does nothing (and costs next to nothing) elsewhere.
    public static func check() throws {
        guard pthread_getspecific(key) != nil else { return }
        pthread_setspecific(key, tripped)
        throw WouldBlock()
    }

    /// Whether something on this thread tried to block in the current `withoutBlocking`
    /// (the answer being built will be thrown away: skip the rest of the work).
    public static var hasTripped: Bool { pthread_getspecific(key) == tripped }

    /// Runs `body` with blocking forbidden on this thread. Returns false when `body` tried
    /// to block, whatever it did then (an error swallowed on the way out still counts).
    /// Not generic: it is called across modules on every quick request.
    public static func withoutBlocking(_ body: () -> Void) -> Bool {
        pthread_setspecific(key, active)
        body()
        let blocked = pthread_getspecific(key) == tripped
        pthread_setspecific(key, nil)
        return !blocked
    }
}
