import Database
import Foundation
import Security
import Support

/// Removes what `RetentionPolicy` says we no longer keep, in small batches: each batch is one
/// short write transaction of at most `batchSize` rows, with a `pause` after it, so the
/// writer is never held for long and requests get in between batches. On PostgreSQL the
/// batches take a keyed lock (`write(lockingOn:)`), so Verify starts and other keyed writes
/// run beside them.
///
/// One pruner at a time, whatever the number of instances (and `twofa db prune`): a pass
/// first takes the lease row `maintenance_leases.prune` (the same on both engines), renews it
/// in every batch and gives it back at the end. A pass that finds it held does nothing.
///
/// `twofa serve` runs a pass every `interval` seconds on a thread of its own; tests call `run()`.
public final class Pruner: @unchecked Sendable {
    /// What one pass removed, per table in the policy's order (zeros included).
    public struct Report: Sendable, CustomStringConvertible {
        public var removed: [(table: String, rows: Int)] = []
        /// Another pruner held the lease: nothing was done.
        public var busy = false

        public var total: Int { removed.reduce(0) { $0 + $1.rows } }

        public func rows(_ table: String) -> Int { removed.first { $0.table == table }?.rows ?? 0 }

        mutating func add(_ table: String, _ rows: Int) {
            if let i = removed.firstIndex(where: { $0.table == table }) { removed[i].rows += rows } else { removed.append((table, rows)) }
        }

        /// The lines `twofa db prune` prints.
        public var description: String {
            if busy { return "Another instance is pruning right now; nothing removed." }
            let width = removed.map(\.table.count).max() ?? 0
            return (["Removed \(total) rows:"] + removed.map {
                "  " + $0.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  \($0.rows)"
            }).joined(separator: "\n")
        }
    }

    /// The rest after each batch, so requests waiting for the writer get it first.
    public static let defaultPause: TimeInterval = 0.02
    /// How long a lease lasts without renewal: a pruner that died mid-pass blocks others this long.
    static let leaseSeconds: Int64 = 600

    private let database: Database
    private let rules: [RetentionPolicy.Rule]
    private let batchSize: Int
    private let pause: TimeInterval
    private let clock: @Sendable () -> Int64
    private let metrics: Metrics?
    /// This pruner's name in the lease row: random, so two instances never share it.
    private let holder = "pruner-" + Hex.encode(SecureRandom.bytes(8))
    /// Called after each batch has committed (tests hold a pass there).
    public var afterBatch: (@Sendable () -> Void)?

    private let task: PeriodicTask

    init(database: Database, policy: RetentionPolicy, batchSize: Int, pause: TimeInterval = Pruner.defaultPause,
         interval: TimeInterval, clock: @escaping @Sendable () -> Int64, metrics: Metrics?) {
        self.database = database; self.rules = policy.rules; self.batchSize = batchSize; self.pause = pause
        self.clock = clock; self.metrics = metrics
        task = PeriodicTask(name: "pruner", interval: interval)
    }

    /// Rules that failed in a pass that gave every other rule its turn: thrown by `run()` at
    /// the end, with what the pass did remove.
    public struct RulesFailed: Error, CustomStringConvertible {
        public let failures: [(table: String, error: String)]
        public let report: Report

        public var description: String {
            "rule(s) failed: " + failures.map { "\($0.table) (\($0.error))" }.joined(separator: "; ")
                + "; the other rules ran (\(report.total) rows removed)"
        }
    }

    /// One pass of every rule at the clock's time. A rule that fails (its batch is rolled
    /// back) doesn't stop the others: each gets its turn, and then the pass throws
    /// `RulesFailed` (what it removed stays removed). Throws at once only when the lease
    /// can't be taken (the database is down).
    public func run() throws -> Report {
        var report = Report()
        let now = clock()
        guard try takeLease(now: now) else {
            report.busy = true
            return report
        }
        defer { try? giveBackLease() }
        var failures: [(table: String, error: String)] = []
        for rule in rules {
            do {
                guard try prune(rule, now: now, into: &report) else {
                    Log.warning("pruner: the lease was taken over mid-pass; stopping")
                    return report
                }
            } catch {
                failures.append((rule.table, "\(error)"))
            }
        }
        if !failures.isEmpty { throw RulesFailed(failures: failures, report: report) }
        return report
    }

    /// Runs `rule`'s batches until one removes fewer than a batch; false when the lease was lost.
    private func prune(_ rule: RetentionPolicy.Rule, now: Int64, into report: inout Report) throws -> Bool {
        while true {
            let batch = try database.write(lockingOn: ["maintenance:prune"]) { db -> [(table: String, rows: Int)]? in
                guard try renewLease(in: db) else { return nil }
                return try rule.batch(now, batchSize, db)
            }
            guard let batch else { return false }
            for (table, rows) in batch {
                report.add(table, rows)
                if rows > 0 { metrics?.pruned(table: table, rows: rows) }
            }
            afterBatch?()
            if (batch.first?.rows ?? 0) < batchSize { return true }
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
    }

    /// A pass for the background thread: never throws (a failing database is logged once, see `PeriodicTask`).
    @discardableResult
    public func tick() -> Report? {
        guard let report = task.attempt({ try run() }) else { return nil }
        if report.total > 0 {
            Log.info("pruner: removed " + report.removed.filter { $0.rows > 0 }.map { "\($0.rows) \($0.table)" }
                .joined(separator: ", "))
        }
        return report
    }

    // MARK: The lease

    private func takeLease(now: Int64) throws -> Bool {
        // One statement, safe on its own: the row moves to us only when free (expired) or ours.
        let rows = try database.writeStatement("""
            INSERT INTO maintenance_leases (name, holder, expires_at) VALUES ('prune', ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE maintenance_leases.expires_at <= ? OR maintenance_leases.holder = excluded.holder
            RETURNING holder
            """, [.text(holder), .integer(now + Self.leaseSeconds), .integer(now)])
        return rows.first?.string("holder") == holder
    }

    private func renewLease(in db: DatabaseConnection) throws -> Bool {
        try db.execute("UPDATE maintenance_leases SET expires_at = ? WHERE name = 'prune' AND holder = ?",
                       [.integer(clock() + Self.leaseSeconds), .text(holder)])
        return db.changes == 1
    }

    private func giveBackLease() throws {
        _ = try database.writeStatement("UPDATE maintenance_leases SET expires_at = 0 WHERE name = 'prune' AND holder = ?",
                                        [.text(holder)])
    }

    // MARK: The thread (`twofa serve`)

    public func start() { task.start { [weak self] in self?.tick() } }

    public func stop() { task.stop() }
}
