@testable import App
import Foundation
import Security
import XCTest
import TestSupport

/// A door the test engine's hashes wait at, so the pool can be filled on purpose.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var open: Bool
    init(open: Bool) { self.open = open }

    func set(open: Bool) {
        condition.lock(); self.open = open; condition.broadcast(); condition.unlock()
    }

    func pass() {
        condition.lock()
        while !open { condition.wait() }
        condition.unlock()
    }
}

/// Counts the hashes an engine was asked for.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

/// Results gathered from several threads.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}

final class PasswordHasherTests: XCTestCase {
    /// Real bcrypt, cheapest cost, behind a gate and a counter.
    static func engine(gate: Gate, hashes: Counter) -> PasswordHasher.Engine {
        PasswordHasher.Engine(
            hash: { password, cost in gate.pass(); hashes.increment(); return try BCrypt.hash(password, cost: cost) },
            verify: { password, digest in gate.pass(); return BCrypt.verify(password, against: digest) })
    }

    /// Polls until the pool holds `count` hashes; fails (rather than hangs) after a generous deadline.
    static func waitUntil(_ hasher: PasswordHasher, inFlight count: Int, file: StaticString = #filePath, line: UInt = #line) {
        eventually("the pool fills", file: file, line: line) { hasher.load.inFlight >= count }
        XCTAssertEqual(hasher.load.inFlight, count, "the pool never filled", file: file, line: line)
    }

    func testHashesAndVerifiesWithRealBCrypt() throws {
        let hasher = PasswordHasher(threads: 2, queueLimit: 2, cost: 4)
        defer { hasher.stop() }
        let digest = try hasher.hash("correct horse battery")
        XCTAssertEqual(BCrypt.cost(of: digest), 4)
        XCTAssertTrue(try hasher.verify("correct horse battery", against: digest))
        XCTAssertFalse(try hasher.verify("wrong horse battery", against: digest))
        XCTAssertFalse(try hasher.verify("correct horse battery", against: "not a digest"))
        XCTAssertEqual(hasher.load.inFlight, 0)
    }

    func testUnknownUserStillCostsOneHashAtTheConfiguredCost() throws {
        let hashes = Counter()
        let hasher = PasswordHasher(threads: 1, queueLimit: 0, cost: 5, engine: Self.engine(gate: Gate(open: true), hashes: hashes))
        defer { hasher.stop() }
        XCTAssertFalse(try hasher.verify("any password at all", against: nil))
        XCTAssertEqual(hashes.value, 1)
    }

    func testRefusesAtOnceWhenThreadsAndQueueAreFull() throws {
        let gate = Gate(open: false)
        let hasher = PasswordHasher(threads: 1, queueLimit: 2, cost: 4, engine: Self.engine(gate: gate, hashes: Counter()))
        defer { hasher.stop() }
        let digest = try BCrypt.hash("correct horse battery", cost: 4)
        let finished = DispatchGroup()
        let results = Collected<Bool>()
        for _ in 0..<3 {   // one hashing, two waiting
            DispatchQueue.global().async(group: finished) {
                let ok = (try? hasher.verify("correct horse battery", against: digest)) ?? false
                results.append(ok)
            }
        }
        Self.waitUntil(hasher, inFlight: 3)

        XCTAssertThrowsError(try hasher.verify("correct horse battery", against: digest)) { XCTAssertTrue($0 is PasswordHasher.Busy) }
        XCTAssertThrowsError(try hasher.hash("another password")) { XCTAssertTrue($0 is PasswordHasher.Busy) }
        XCTAssertEqual(hasher.load.refused, 2)

        gate.set(open: true)
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(results.all, [true, true, true])
        // Room again once the storm has passed.
        XCTAssertTrue(try hasher.verify("correct horse battery", against: digest))
    }

    /// The pool's threads run at the configured nice value and name (a positive value
    /// needs no privilege, so this runs anywhere); the caller's thread is left alone.
    func testPoolThreadsTakeTheirNiceValueAndName() throws {
        let seen = Collected<(Int32, String)>()
        let engine = PasswordHasher.Engine(
            hash: { _, _ in
                let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
                seen.append((getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0),
                             name.trimmingCharacters(in: .whitespacesAndNewlines)))
                return "digest"
            },
            verify: { _, _ in false })
        let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let hasher = PasswordHasher(threads: 1, queueLimit: 0, cost: 4, niceness: 7, engine: engine)
        _ = try hasher.hash("password one")
        hasher.stop()
        XCTAssertEqual(seen.all.map(\.0), [7])
        XCTAssertEqual(seen.all.map(\.1), ["bcrypt-0"])
        XCTAssertEqual(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0), before)
    }

    func testBcryptNiceIsDroppedWhenThePoolHasEveryCore() throws {
        let root = Repository.root
        var env = ["APP_ROOT": root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
                   "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
        XCTAssertEqual(try AppConfig.load(environment: env).bcryptNice,
                       ProcessInfo.processInfo.activeProcessorCount > 1 ? -15 : 0)
        env["BCRYPT_THREADS"] = String(ProcessInfo.processInfo.activeProcessorCount)
        env["WORKER_THREADS"] = String(ProcessInfo.processInfo.activeProcessorCount + 10)
        XCTAssertEqual(try AppConfig.load(environment: env).bcryptNice, 0)
        env["BCRYPT_NICE"] = "-21"
        XCTAssertThrowsError(try AppConfig.load(environment: env))
    }

    func testWriterNiceDefaultsToRaisedAndIsBounded() throws {
        var env = ["APP_ROOT": Repository.root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
                   "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]
        XCTAssertEqual(try AppConfig.load(environment: env).writerNice, -20)
        env["WRITER_NICE"] = "0"
        XCTAssertEqual(try AppConfig.load(environment: env).writerNice, 0)
        env["WRITER_NICE"] = "-21"
        XCTAssertThrowsError(try AppConfig.load(environment: env))
    }

    func testConfigKeepsWaitingLoginsBelowTheWorkerCount() throws {
        let root = Repository.root
        let base = ["APP_ROOT": root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
                    "DATABASE_URL": NSTemporaryDirectory() + "twofa-config-test/db.sqlite3"]

        let defaults = try AppConfig.load(environment: base)
        // Half the cores (at least one), so a login storm leaves the other half to page views.
        XCTAssertEqual(defaults.bcryptThreads, max(1, min(ProcessInfo.processInfo.activeProcessorCount / 2, defaults.workerThreads - defaults.bcryptQueue - 1)))
        XCTAssertEqual(defaults.bcryptQueue, 8)

        var small = base
        small["WORKER_THREADS"] = "4"; small["BCRYPT_QUEUE"] = "1"
        let clamped = try AppConfig.load(environment: small)
        XCTAssertGreaterThanOrEqual(clamped.bcryptThreads, 1)
        XCTAssertLessThan(clamped.bcryptThreads + clamped.bcryptQueue, 4)

        var explicit = base
        explicit["BCRYPT_THREADS"] = "3"; explicit["BCRYPT_QUEUE"] = "5"
        XCTAssertEqual(try AppConfig.load(environment: explicit).bcryptThreads, 3)

        for (threads, queue, workers) in [("8", "8", "16"), ("1", "8", "8"), ("0", "8", "4")] {
            var env = base
            env["BCRYPT_THREADS"] = threads; env["BCRYPT_QUEUE"] = queue; env["WORKER_THREADS"] = workers
            XCTAssertThrowsError(try AppConfig.load(environment: env), "\(threads)+\(queue) vs \(workers)") {
                XCTAssertTrue("\($0)".contains("must be less than WORKER_THREADS"), "\($0)")
            }
        }
    }
}
