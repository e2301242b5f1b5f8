import Foundation
import Support
import Synchronization

/// Hears every write committed to the database by any process (each write transaction ends
/// with `pg_notify('twofa_changes', '<writer>:<sequence>')`), on a connection and a thread of its
/// own, so that caches on this instance (the session cache) are emptied when another
/// instance writes. While it is not connected, `heard` is nil: a cache must then not trust
/// its rows at all.
///
/// A writer waits (`waitUntilHeard`) until its own listener has heard its own write before it
/// answers. Notifications reach the other listeners only when the kernel schedules their
/// PostgreSQL backends, so a write that must be seen everywhere at once (a plain `write`: a
/// logout, a revoked session) also asks for acknowledgements (`<writer>:<sequence>:ack`):
/// every listener, once it has counted such a write, answers `ack:<writer>:<sequence>:<listener>`,
/// and the writer waits (`waitUntilAcknowledged`) for as many as there are listeners. So a
/// logout on one instance is refused by the others on the very next request.
final class PostgreSQLChangeListener: @unchecked Sendable {
    static let channel = "twofa_changes"

    /// This process's name in payloads: the listener tells its own writes from others'.
    let writerID = String(UInt64.random(in: 0...UInt64.max), radix: 16)

    private let connect: () throws -> PostgreSQLConnection
    private let heardCount = Atomic<UInt64>(0)
    private let isListening = Atomic<Bool>(false)
    /// The listening connection's socket (-1 while none), and whether its input is being read.
    private let socket = Atomic<Int32>(-1)
    private let isReading = Atomic<Bool>(false)
    private let isStopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let ownHeard = NSCondition()
    /// This process's writes heard and not yet waited for (writes without the cluster-wide
    /// lock may commit out of their numbers' order, so a set rather than a high-water mark).
    private var ownSequencesHeard = Set<UInt64>()      // guarded by ownHeard
    /// Which listeners have acknowledged this process's writes that asked for it.
    private var acknowledgements: [UInt64: Set<Substring>] = [:]   // guarded by ownHeard
    /// Written to by `stop()`, so a listener asleep in poll wakes at once.
    private let wakeRead: Int32, wakeWrite: Int32

    init(connect: @escaping () throws -> PostgreSQLConnection) {
        self.connect = connect
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe: \(errno)")
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let thread = Thread { [self] in
            ThreadName.setCurrent("pg-listener")
            run()
            stopped.signal()
        }
        thread.start()
    }

    /// Writes heard so far (plus one per reconnection, for those that may have been missed),
    /// or nil while not listening, and while a notification has reached this process but is
    /// not counted yet (waiting in the socket, or being read): on a starved CPU this thread may
    /// run a while after the notification arrived, and a cache must not trust rows meanwhile.
    var heard: UInt64? {
        guard isListening.load(ordering: .sequentiallyConsistent),
              !PostgreSQLConnection.hasInputWaiting(socket: socket.load(ordering: .sequentiallyConsistent)),
              !isReading.load(ordering: .sequentiallyConsistent) else { return nil }
        return heardCount.load(ordering: .sequentiallyConsistent)
    }

    /// The application name of listener connections, by which writers count them.
    static let applicationName = "twofa-listener"

    /// The payload of this process's write number `sequence`; `acknowledged`: every listener
    /// that hears it answers `ack:<writer>:<sequence>:<listener>` once it has counted it.
    func payload(_ sequence: UInt64, acknowledged: Bool = false) -> String {
        "\(writerID):\(sequence)" + (acknowledged ? ":ack" : "")
    }

    /// Waits, at most `timeout` seconds, until `listeners` listeners (this one included) have
    /// acknowledged this process's write number `sequence`: by then every instance's cache
    /// has counted it. Returns at once while not listening.
    func waitUntilAcknowledged(_ sequence: UInt64, by listeners: Int, timeout: Double = 1) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        ownHeard.lock()
        defer {
            acknowledgements[sequence] = nil
            ownHeard.unlock()
        }
        while (acknowledgements[sequence]?.count ?? 0) < listeners && isListening.load(ordering: .sequentiallyConsistent) {
            guard ownHeard.wait(until: deadline) else { return }
        }
    }

    /// Waits, at most `timeout` seconds, until this listener has heard this process's write
    /// number `sequence` (or a later one). Returns at once while not listening.
    func waitUntilHeard(_ sequence: UInt64, timeout: Double = 1) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        ownHeard.lock()
        defer { ownHeard.unlock() }
        while ownSequencesHeard.remove(sequence) == nil && isListening.load(ordering: .sequentiallyConsistent) {
            guard ownHeard.wait(until: deadline) else { return }
        }
    }

    /// Ends the thread and its connection; returns once both are gone.
    func stop() {
        guard !isStopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        stopped.wait()
        close(wakeRead)
        close(wakeWrite)
    }

    private func run() {
        var failures = 0
        let ownPrefix = writerID + ":"
        while !isStopping.load(ordering: .sequentiallyConsistent) {
            guard let connection = try? connect(), (try? connection.command("LISTEN \(Self.channel)")) != nil else {
                // The database is down: caches stay off; try again, sooner at first.
                failures += 1
                if failures == 1 { Log.warning("PostgreSQL change listener cannot connect; caches are off until it can") }
                if sleepUnlessWoken(seconds: min(5, 0.2 * Double(failures))) { return }
                continue
            }
            failures = 0
            // Anything may have changed while we were not listening.
            heardCount.add(1, ordering: .sequentiallyConsistent)
            socket.store(connection.socket, ordering: .sequentiallyConsistent)
            isListening.store(true, ordering: .sequentiallyConsistent)
            while let payloads = connection.waitForNotifications(wake: wakeRead, willRead: {
                      isReading.store(true, ordering: .sequentiallyConsistent)
                  }),
                  !isStopping.load(ordering: .sequentiallyConsistent) {
                let writes = payloads.filter { !$0.hasPrefix("ack:") }
                heardCount.add(UInt64(writes.count), ordering: .sequentiallyConsistent)
                // Counted: caches may trust again, and writers waiting for us may be told so.
                isReading.store(false, ordering: .sequentiallyConsistent)
                record(payloads, ownPrefix: ownPrefix)
                // Every acknowledgement this batch owes, in one transaction and one round trip.
                let acks = writes.filter { $0.hasSuffix(":ack") }.map { write -> SQLStatement in
                    ("SELECT pg_notify(?, ?)", [.text(Self.channel), .text("ack:\(write.dropLast(4)):\(writerID)")])
                }
                if !acks.isEmpty, (try? connection.queries([("BEGIN READ WRITE", [])] + acks + [("COMMIT", [])])) == nil,
                   connection.isInTransaction {
                    try? connection.command("ROLLBACK")   // notifications wait while a transaction is open
                }
            }
            isListening.store(false, ordering: .sequentiallyConsistent)
            socket.store(-1, ordering: .sequentiallyConsistent)
            isReading.store(false, ordering: .sequentiallyConsistent)
            ownHeard.lock(); ownHeard.broadcast(); ownHeard.unlock()   // waiters stop waiting
            connection.close()
        }
    }

    /// This process's writes heard, and acknowledgements of them, for the writers waiting.
    private func record(_ payloads: [String], ownPrefix: String) {
        var own: [UInt64] = []
        var acks: [(UInt64, Substring)] = []
        for payload in payloads {
            if payload.hasPrefix("ack:") {
                // ack:<writer>:<sequence>:<listener>
                let parts = payload.split(separator: ":")
                if parts.count == 4, parts[1] == writerID, let sequence = UInt64(parts[2]) { acks.append((sequence, parts[3])) }
            } else if payload.hasPrefix(ownPrefix), let sequence = UInt64(payload.dropFirst(ownPrefix.count).prefix { $0 != ":" }) {
                own.append(sequence)
            }
        }
        guard !own.isEmpty || !acks.isEmpty else { return }
        ownHeard.lock()
        // A writer that gave up waiting leaves its number behind: bound what piles up.
        if ownSequencesHeard.count > 10_000 { ownSequencesHeard.removeAll() }
        if acknowledgements.count > 10_000 { acknowledgements.removeAll() }
        ownSequencesHeard.formUnion(own)
        for (sequence, listener) in acks { acknowledgements[sequence, default: []].insert(listener) }
        ownHeard.broadcast()
        ownHeard.unlock()
    }

    /// True when woken by `stop()`.
    private func sleepUnlessWoken(seconds: Double) -> Bool {
        var entry = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(seconds * 1000)) > 0
    }
}
