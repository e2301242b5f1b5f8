import Database
import Foundation
import Messaging
import Support

/// Delivers the Verify API's callbacks from the database, on a thread of its own (never in a
/// request). Each pass: (1) sweep: ended requests of clients with a callback URL get their
/// `event` and `summary` rows (WebhookDelivery.enqueue; the request row is the source, so
/// nothing is lost if a process dies between the end of a request and the sweep); (2) claim
/// what is due and POST it with a signed JWT; a 2xx ends it, anything else retries with backoff
/// until the give-up time. State is all in the database: a restart, or another instance,
/// carries on where this one stopped.
public final class WebhookDeliverer: @unchecked Sendable {
    private let database: Database
    private let keys: KeyGenerator
    private let http: OutboundHTTPClient
    private let giveUp: Int64
    private let clock: @Sendable () -> Int64
    private let metrics: Metrics
    private let task: PeriodicTask
    private let lock = NSLock()
    /// Where the next sweep starts reading ended requests (guarded by `lock`). Only an
    /// optimisation: a new process starts a whole give-up period back.
    private var sweptSince: Int64?

    /// Ended requests read per sweep transaction.
    static let sweepBatch = 50
    /// Deliveries claimed at a time: few enough that all are tried well within the lease, each
    /// attempt being bounded by the client's 10 s timeout.
    static let claimBatch = 5
    /// A sweep re-reads this far back, for requests ended just before the last sweep but committed after it.
    static let sweepOverlap: Int64 = 120

    init(database: Database, keys: KeyGenerator, giveUp: Int, clock: @escaping @Sendable () -> Int64, metrics: Metrics,
         http: OutboundHTTPClient = OutboundHTTPClient(policy: RetryPolicy(timeout: 10, maxAttempts: 1, totalBudget: 11))) {
        self.database = database; self.keys = keys; self.giveUp = Int64(giveUp); self.clock = clock
        self.metrics = metrics; self.http = http
        task = PeriodicTask(name: "webhooks", interval: 1)
    }

    /// Held for a whole pass, so `stop` can wait for a callback in flight to be marked:
    /// one already received must not be sent again after a restart.
    private let passLock = NSLock()
    private var stopped = false   // guarded by passLock
    /// Set by `stop` before it waits, so a long pass ends after the attempt in flight.
    private let stopping = ManagedAtomicFlag()

    public func start() { task.start { [weak self] in self?.tick() } }

    /// Stops the thread and waits (at most one attempt's timeout and a little) for its pass to end.
    public func stop() {
        stopping.set()
        task.stop()
        if passLock.lock(before: Date().addingTimeInterval(12)) {
            stopped = true
            passLock.unlock()
        } else {
            // `stopping` (atomic) already keeps any later pass from starting.
            Log.warning("webhooks: stopping with a callback still in flight")
        }
    }

    /// One pass, errors logged by PeriodicTask; returns the deliveries that succeeded.
    @discardableResult
    public func tick() -> Int {
        passLock.lock(); defer { passLock.unlock() }
        guard !stopped, !stopping.isSet else { return 0 }
        return task.attempt { try run() } ?? 0
    }

    /// One pass; tests call it after moving their clock.
    @discardableResult
    public func run() throws -> Int {
        try sweep()
        var delivered = 0
        while !stopping.isSet {
            let now = clock()
            let due = try database.write { try WebhookDelivery.claimDue(now: now, limit: Self.claimBatch, in: $0) }
            for (i, delivery) in due.enumerated() {
                if stopping.isSet {
                    // Shutting down: what was claimed but not tried is due again at once, for the next process.
                    let rest = Array(due[i...])
                    try database.write { db in for d in rest { try WebhookDelivery.release(d, now: now, in: db) } }
                    return delivered
                }
                if try deliver(delivery) { delivered += 1 }
            }
            if due.count < Self.claimBatch { return delivered }
        }
        return delivered
    }

    /// Queues the callbacks of requests that ended since the last sweep. The reading is done on a
    /// reader, not inside a write: it re-reads `sweepOverlap` seconds of ended requests each
    /// second, which must not hold the writer. Two instances queueing the same request change
    /// nothing (the unique index), so the write needs no re-check.
    private func sweep() throws {
        let now = clock()
        lock.lock()
        let since = max(now - giveUp, (sweptSince ?? 0) - Self.sweepOverlap)
        lock.unlock()
        let found = try database.read { db -> (callbacks: [(VerifyCallback, String, Int64)], full: Bool) in
            // Most installations have no callback URL at all: then there is nothing to read.
            guard try WebhookDelivery.anyCallbackURL(in: db) else { return ([], false) }
            let rows = try WebhookDelivery.unqueued(since: since, limit: Self.sweepBatch, in: db)
            var urls: [String: String?] = [:]
            var callbacks: [(VerifyCallback, String, Int64)] = []
            for row in rows {
                let apiKey = row.string("account_id") ?? ""
                if urls[apiKey] == nil {
                    urls[apiKey] = .some(try db.queryOne("SELECT callback_url FROM api_clients WHERE api_key = ?",
                                                         [.text(apiKey)])?.string("callback_url"))
                }
                guard let url = urls[apiKey] ?? nil else { continue }
                let ended = row.int64("finalized_at") ?? now
                callbacks += try VerifyCallback.make(row: row, in: db).map { ($0, url, ended + giveUp) }
            }
            return (callbacks, rows.count == Self.sweepBatch)
        }
        if !found.callbacks.isEmpty {
            try database.write { db in
                for (callback, url, giveUpAt) in found.callbacks {
                    try WebhookDelivery.enqueue(callback, url: url, now: now, giveUpAt: giveUpAt, in: db)
                }
            }
        }
        // A full batch may have left more behind: the next sweep starts from the same place.
        if !found.full {
            lock.lock(); sweptSince = now; lock.unlock()
        }
    }

    /// One attempt; returns whether it was delivered.
    private func deliver(_ delivery: WebhookDelivery) throws -> Bool {
        let now = clock()
        guard let callback = try database.read({ try ApiClient.callback(apiKey: delivery.apiKey, keys: keys, in: $0) }),
              let url = URL(string: delivery.url) else {
            // The key was revoked (or lost its URL): nothing to send to.
            try database.write { _ = try WebhookDelivery.markFailed(delivery, reason: "no callback URL", now: delivery.giveUpAt, in: $0) }
            metrics.webhookDelivery("given_up")
            return false
        }
        let request = OutboundRequest(url: url, headers: [("Content-Type", "application/json"),
                                                          ("Authorization", delivery.authorization(secret: callback.signatureSecret, now: now))],
                                      body: Array(delivery.body.utf8), label: "webhook \(delivery.id) to \(url.host ?? "?")")
        let failure: String
        do {
            let response = try http.send(request) { _ in nil }
            if (200..<300).contains(response.status) {
                try database.write { try WebhookDelivery.markDelivered(id: delivery.id, now: clock(), in: $0) }
                metrics.webhookDelivery("delivered")
                return true
            }
            failure = "HTTP \(response.status)"
        } catch {
            failure = "\(error)"
        }
        let gaveUp = try database.write { try WebhookDelivery.markFailed(delivery, reason: failure, now: clock(), in: $0) }
        metrics.webhookDelivery(gaveUp ? "given_up" : "failed")
        Log.warning("webhook \(delivery.id) to \(url.host ?? "?"): attempt \(delivery.attempts) failed (\(failure))"
                    + (gaveUp ? "; given up" : "; will retry"))
        return false
    }
}

/// A flag one thread sets and others read.
private final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
