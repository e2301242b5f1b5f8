import Foundation

/// Open connections across all loops, to enforce `maxConnections` in all and
/// `maxConnectionsPerAddress` from any one client address. One lock, taken once per accept
/// and once per close, guards both counts: the table holds only addresses with a connection
/// open, so it stays as small as the server's connection count.
final class ConnectionCounter: @unchecked Sendable {
    enum Refusal { case serverFull, addressFull }

    private let lock = NSLock()
    private var open = 0
    private var perAddress: [String: Int] = [:]
    private var refusedServerFull = 0
    private var refusedAddressFull = 0
    let limit: Int
    let limitPerAddress: Int

    init(limit: Int, limitPerAddress: Int = .max) {
        self.limit = limit
        self.limitPerAddress = limitPerAddress
    }

    /// Reserves a slot for a connection from `address` (the socket peer); nil when
    /// reserved, else why not.
    func acquire(address: String) -> Refusal? {
        lock.lock(); defer { lock.unlock() }
        guard open < limit else { refusedServerFull += 1; return .serverFull }
        let fromAddress = perAddress[address, default: 0]
        guard fromAddress < limitPerAddress else { refusedAddressFull += 1; return .addressFull }
        perAddress[address] = fromAddress + 1
        open += 1
        return nil
    }

    func release(address: String) {
        lock.lock(); defer { lock.unlock() }
        open -= 1
        if let n = perAddress[address] { perAddress[address] = n > 1 ? n - 1 : nil }
    }

    var current: Int {
        lock.lock(); defer { lock.unlock() }
        return open
    }

    /// Open connections from `address` right now.
    func current(from address: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        return perAddress[address] ?? 0
    }

    /// Connections refused so far: the server was full, or their address had its share.
    var refused: (serverFull: Int, addressFull: Int) {
        lock.lock(); defer { lock.unlock() }
        return (refusedServerFull, refusedAddressFull)
    }
}
