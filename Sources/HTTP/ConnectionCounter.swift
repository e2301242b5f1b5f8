import Foundation

/// Open connections across all loops, to enforce `maxConnections`.
final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Reserves a slot; false when the server is full.
    func acquire() -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard open < limit else { return false }
        open += 1
        return true
    }

    func release() {
        lock.lock(); open -= 1; lock.unlock()
    }

    var current: Int {
        lock.lock(); defer { lock.unlock() }
        return open
    }
}
