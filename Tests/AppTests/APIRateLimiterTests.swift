import Database
import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import App
import TestSupport

/// `APIRateLimiter` on a real database file: exact near the limit, never over it however
/// many threads or instances share the window, and one write per block of calls far from it.
final class APIRateLimiterTests: XCTestCase {
    private var directory: String!
    private var db: SQLiteDatabase!
    private let minute: Int64 = 1_800_000_000 - 1_800_000_000 % 60

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "twofa-rate-limiter-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        db = try SQLiteDatabase(path: directory + "/db.sqlite3", readers: 2)
        _ = try Migrator(directory: Repository.root + "/Migrations").migrate(db)
    }

    override func tearDown() {
        db?.close()
        db = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func counted(_ key: String, at minute: Int64) throws -> Int? {
        try db.read { try $0.query("SELECT calls FROM api_rate_windows WHERE api_key = ? AND window_start = ?",
                                   [.text(key), .integer(minute)]).first?.int("calls") }
    }

    func testSmallLimitCountsEveryCallAndANewMinuteStartsOver() throws {
        let limiter = APIRateLimiter(limit: 60)
        for i in 0..<60 {
            XCTAssertTrue(try limiter.allow(key: "k", now: minute + 5, in: db), "call \(i + 1)")
            XCTAssertEqual(try counted("k", at: minute), i + 1, "one write per call at the default limit")
        }
        XCTAssertFalse(try limiter.allow(key: "k", now: minute + 59, in: db))
        XCTAssertEqual(try counted("k", at: minute), 61, "a throttled call is counted too")
        XCTAssertTrue(try limiter.allow(key: "k", now: minute + 60, in: db), "a new minute")
        XCTAssertNil(try counted("k", at: minute), "the old window goes at the new minute's first claim")
        XCTAssertTrue(try limiter.allow(key: "other", now: minute + 60, in: db), "limits are per key")
    }

    func testBusyKeyClaimsBlocksAndIsExactAtTheLimit() throws {
        let limiter = APIRateLimiter(limit: 10_000)
        let before = db.changeCount ?? 0
        var admitted = 0
        while try limiter.allow(key: "k", now: minute, in: db) { admitted += 1 }
        XCTAssertEqual(admitted, 10_000, "one instance uses every call it claimed")
        let writes = Int((db.changeCount ?? 0) - before)
        XCTAssertLessThan(writes, 600, "blocks, not a write per call (\(writes) writes)")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(counted("k", at: minute)), 10_000)
        XCTAssertEqual(limiter.blockSize(after: 0), APIRateLimiter.maxBlock)
        XCTAssertEqual(limiter.blockSize(after: 9_990), 1, "exact near the limit")
    }

    func testThreadsNeverAdmitMoreThanTheLimit() throws {
        let limiter = APIRateLimiter(limit: 5_000)
        let admitted = Atomic<Int>(0), refused = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1_000 {
                if (try? limiter.allow(key: "k", now: minute, in: db)) == true {
                    admitted.add(1, ordering: .relaxed)
                } else {
                    refused.add(1, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(admitted.load(ordering: .relaxed), 5_000)
        XCTAssertEqual(refused.load(ordering: .relaxed), 3_000)
    }

    /// Two instances on one database: together never over the limit; what one claimed and
    /// did not use is all the other can miss.
    func testInstancesShareTheLimit() throws {
        let first = APIRateLimiter(limit: 3_000), second = APIRateLimiter(limit: 3_000)
        XCTAssertTrue(try first.allow(key: "k", now: minute, in: db))   // claims a block, uses one call
        var admitted = 1
        while try second.allow(key: "k", now: minute, in: db) { admitted += 1 }
        let firstsBlock = first.blockSize(after: 0)
        XCTAssertEqual(admitted, 3_000 - (firstsBlock - 1), "the second instance gets all but the first's unused block")
        for _ in 1..<firstsBlock { XCTAssertTrue(try first.allow(key: "k", now: minute, in: db)); admitted += 1 }
        XCTAssertFalse(try first.allow(key: "k", now: minute, in: db))
        XCTAssertEqual(admitted, 3_000, "together, exactly the limit")
    }
}
