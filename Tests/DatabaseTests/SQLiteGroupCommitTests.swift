import Foundation
import XCTest
@testable import Database

/// `SQLiteWriter`'s group commit: writes that queue up while a transaction runs share the next
/// one, each in a savepoint of its own, and each returns only once that transaction has committed.
final class SQLiteGroupCommitTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var db: SQLiteDatabase!

    struct Refused: Error {}

    /// A number threads share.
    final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int
        init(_ value: Int = 0) { self.value = value }
        func add(_ n: Int) { lock.lock(); value += n; lock.unlock() }
        func store(_ n: Int) { lock.lock(); value = n; lock.unlock() }
        func load() -> Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    override func setUpWithError() throws {
        directory = TemporaryDirectory()
        db = try SQLiteDatabase(path: directory.file("group.sqlite3"), readers: 2)
        try db.write { try $0.executeScript("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL);
            INSERT INTO counter (id, value) VALUES (1, 0);
            CREATE TABLE parents (id INTEGER PRIMARY KEY);
            CREATE TABLE children (id INTEGER PRIMARY KEY,
                parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
            """) }
    }

    override func tearDown() {
        db?.close()
        db = nil
        directory = nil
    }

    private func names() throws -> Set<String> {
        Set(try db.read { try $0.query("SELECT name FROM items", []) }.compactMap { $0.string("name") })
    }

    /// Starts `body` on a thread of its own; the returned group waits for it.
    private func onThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        Thread { body(); group.leave() }.start()
    }

    /// Blocks (inside a write) until `count` other threads wait for the writer.
    private func waitForWriters(_ count: Int) {
        let deadline = Date().addingTimeInterval(30)
        while db.writersWaiting < count && Date() < deadline { usleep(200) }
    }

    /// Starts a write on a thread of its own that inserts `name`, then holds the writer until
    /// `queued` other writes wait behind it (they form the next batch); returns once it holds it.
    private func holdWriter(_ group: DispatchGroup, inserting name: String, until queued: Int,
                            outcome: Shared) {
        let entered = Shared()
        onThread(group) { [self] in
            do {
                try db.write { connection in
                    try connection.execute("INSERT INTO items (name) VALUES (?)", [.text(name)])
                    entered.store(1)
                    waitForWriters(queued)
                }
                outcome.store(1)
            } catch { outcome.store(-1) }
        }
        while entered.load() == 0 { usleep(200) }
    }

    /// Read-modify-write from many threads at once: every increment counts (each body sees the
    /// rows of those before it in its group), every row is there, and the writes shared commits.
    func testConcurrentWritesAllCommitAndShareCommits() throws {
        let threads = 8, writesEach = 25
        let before = db.transactionCount
        let group = DispatchGroup()
        let failures = Shared(0)
        for t in 0..<threads {
            onThread(group) { [db] in
                for i in 0..<writesEach {
                    do {
                        try db!.write { connection in
                            let value = try connection.queryOne("SELECT value FROM counter WHERE id = 1", [])?.int("value") ?? -1
                            usleep(300)   // long enough that the other threads queue behind this one
                            try connection.execute("UPDATE counter SET value = ? WHERE id = 1", [.integer(Int64(value + 1))])
                            try connection.execute("INSERT INTO items (name) VALUES (?)", [.text("t\(t)-\(i)")])
                        }
                    } catch { failures.add(1) }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(failures.load(), 0)
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT value FROM counter WHERE id = 1", [])?.int("value") }, threads * writesEach)
        XCTAssertEqual(try names().count, threads * writesEach)
        let transactions = db.transactionCount - before
        XCTAssertLessThan(transactions, UInt64(threads * writesEach / 2),
                          "\(threads * writesEach) queued writes took \(transactions) transactions: they did not share commits")
    }

    /// Two writes lined up behind a third share its successor transaction: the one that throws
    /// loses its rows and gets its error; the other is committed.
    func testAMemberThatThrowsUndoesOnlyItsOwnRows() throws {
        let before = db.transactionCount
        let group = DispatchGroup()
        let refused = Shared(0), kept = Shared(0)
        let first = Shared()
        holdWriter(group, inserting: "first", until: 2, outcome: first)
        onThread(group) { [db] in
            do {
                try db!.write { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ('refused')", [])
                    throw Refused()
                }
            } catch is Refused { refused.add(1) } catch {}
        }
        onThread(group) { [db] in
            do {
                try db!.write { try $0.execute("INSERT INTO items (name) VALUES ('third')", []) }
                kept.add(1)
            } catch {}
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(refused.load(), 1, "the throwing write gets its own error")
        XCTAssertEqual(kept.load() + first.load(), 2)
        XCTAssertEqual(try names(), ["first", "third"])
        XCTAssertEqual(db.transactionCount - before, 2, "the two queued writes shared one transaction")
    }

    /// A commit that fails (a deferred foreign key, checked only at COMMIT) fails every member of
    /// the batch: none of them is told its write happened, and none of their rows is there.
    /// The next write starts a fresh transaction and commits.
    func testAFailedCommitFailsEveryMember() throws {
        let group = DispatchGroup()
        let failed = Shared(), succeeded = Shared()
        let first = Shared()
        holdWriter(group, inserting: "first", until: 3, outcome: first)
        onThread(group) { [db] in
            do {
                try db!.write { try $0.execute("INSERT INTO items (name) VALUES ('innocent')", []) }
                succeeded.add(1)
            } catch { failed.add(1) }
        }
        while db.writersWaiting < 1 { usleep(200) }   // innocent first, then the orphan, then one that refuses
        onThread(group) { [db] in
            do {
                // Returns fine: the orphan is caught only by the COMMIT.
                try db!.write { try $0.execute("INSERT INTO children (id, parent_id) VALUES (1, 42)", []) }
                succeeded.add(1)
            } catch { failed.add(1) }
        }
        while db.writersWaiting < 2 { usleep(200) }
        let toldItsOwnReason = Shared()
        onThread(group) { [db] in
            do {
                try db!.write { _ in throw Refused() }
                succeeded.add(1)
            } catch is Refused {
                toldItsOwnReason.store(1)   // its reason may rest on rows that never committed
            } catch { failed.add(1) }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(first.load(), 1, "the write before them committed on its own")
        XCTAssertEqual(succeeded.load(), 0, "no member of a batch whose commit failed may be told it succeeded")
        XCTAssertEqual(toldItsOwnReason.load(), 0, "a body's own error gives way to its batch's failed commit")
        XCTAssertEqual(failed.load(), 3)
        XCTAssertEqual(try names(), ["first"])
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM children", [])?.int("n") }, 0)

        try db.write { try $0.execute("INSERT INTO items (name) VALUES ('later')", []) }
        XCTAssertEqual(try names(), ["first", "later"])
    }

    /// A write without a transaction of the writer's own (the migrator's) commits a group left
    /// open for it first, and its own statements are not inside anyone's transaction.
    func testWriteWithoutTransactionRunsOutsideAnyGroup() throws {
        let group = DispatchGroup()
        let inTransaction = Shared(-1)
        let grouped = Shared()
        holdWriter(group, inserting: "grouped", until: 1, outcome: grouped)
        onThread(group) { [db] in
            _ = try? db!.writeWithoutTransaction { connection in
                inTransaction.store((connection as? SQLiteConnection)?.isInTransaction == false ? 0 : 1)
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(inTransaction.load(), 0)
        XCTAssertEqual(grouped.load(), 1)
        XCTAssertEqual(try names(), ["grouped"])
    }

    /// `writeBehind` with the writer idle: done (committed) when it returns.
    func testWriteBehindOnAnIdleWriterCommitsAtOnce() throws {
        try db.writeBehind("INSERT INTO items (name) VALUES (?)", [.text("at once")])
        XCTAssertEqual(try names(), ["at once"])
    }

    /// `writeBehind` while another write holds the writer: it returns at once, and the holder
    /// commits the statement in the next batch, before its own write returns. A statement that
    /// fails is dropped without failing the others.
    func testWriteBehindRidesAlongWithTheWriteHoldingTheWriter() throws {
        let group = DispatchGroup()
        let release = Shared(), entered = Shared(), holder = Shared()
        onThread(group) { [db] in
            do {
                try db!.write { connection in
                    try connection.execute("INSERT INTO items (name) VALUES ('holder')", [])
                    entered.store(1)
                    while release.load() == 0 { usleep(200) }
                }
                holder.store(1)
            } catch { holder.store(-1) }
        }
        while entered.load() == 0 { usleep(200) }
        try db.writeBehind("INSERT INTO items (name) VALUES (?)", [.text("behind")])
        try db.writeBehind("INSERT INTO items (id, name) VALUES (?, NULL)", [.integer(99)])   // NOT NULL: fails
        XCTAssertEqual(try names(), [], "returned while the holder's transaction is still open")
        release.store(1)
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(holder.load(), 1)
        XCTAssertEqual(try names(), ["holder", "behind"])
    }

    /// A thread runs its batch at the writer's raised priority and gets its own back after.
    func testTheLeaderRunsAtTheRaisedPriorityAndGetsItsOwnBack() throws {
        let raised = try SQLiteDatabase(path: directory.file("nice.sqlite3"), readers: 1, writerNiceness: -7)
        defer { raised.close() }
        let who = __priority_which_t(PRIO_PROCESS.rawValue)
        let own = getpriority(who, 0)
        guard setpriority(who, 0, -7) == 0 else { throw XCTSkip("raising a thread's priority needs root or CAP_SYS_NICE") }
        XCTAssertEqual(setpriority(who, 0, own), 0)
        let during = try raised.write { _ in getpriority(who, 0) }
        XCTAssertEqual(during, -7, "the leader's body runs at the writer's priority")
        XCTAssertEqual(getpriority(who, 0), own, "and the thread gets its own back")
        XCTAssertEqual(try db.write { _ in getpriority(who, 0) }, own, "a writer without a niceness leaves it alone")

        // A thread that queued behind a leader is raised by it when handed the lead, and gets its
        // own priority back after.
        let leading = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let first = Thread { _ = try? raised.write { _ in leading.signal(); release.wait() } }
        first.start()
        leading.wait()
        let seen = Shared(), after = Shared(), done = DispatchSemaphore(value: 0)
        let second = Thread {
            let mine = getpriority(who, 0)
            seen.store(Int((try? raised.write { _ in getpriority(who, 0) }) ?? 99))
            after.store(Int(getpriority(who, 0) - mine))
            done.signal()
        }
        second.start()
        let deadline = Date().addingTimeInterval(10)
        while raised.writersWaiting < 1 && Date() < deadline { usleep(200) }
        release.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(seen.load(), -7, "the next leader runs raised")
        XCTAssertEqual(after.load(), 0, "and gets its own priority back")
    }
}
