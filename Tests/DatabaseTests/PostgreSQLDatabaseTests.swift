import Foundation
import XCTest
@testable import Database
import TestSupport

/// The PostgreSQL engine against a real server (TWOFA_TEST_POSTGRES_URL; bin/test starts
/// one). Each test works in a schema of its own, dropped afterwards.
final class PostgreSQLDatabaseTests: XCTestCase {
    private var server: String!
    private var schema: String!
    private var url: String!
    private var db: PostgreSQLDatabase!

    override func setUpWithError() throws {
        guard let server = ProcessInfo.processInfo.environment["TWOFA_TEST_POSTGRES_URL"], !server.isEmpty else {
            throw XCTSkip("needs a PostgreSQL server: TWOFA_TEST_POSTGRES_URL (bin/test starts one)")
        }
        self.server = server
        schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try admin("CREATE SCHEMA \(schema!)")
        // libpq's `options` sets the search path of every connection of the pool.
        url = server + (server.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema!)"
        db = try PostgreSQLDatabase(url: url, poolSize: 4)
        try db.write { try $0.executeScript(ItemsTable.schema) }
    }

    override func tearDown() {
        db?.close()
        db = nil
        if let schema { try? admin("DROP SCHEMA \(schema) CASCADE") }
    }

    private func admin(_ sql: String) throws {
        let admin = try PostgreSQLDatabase(url: server, poolSize: 1)
        defer { admin.close() }
        try admin.writeWithoutTransaction { try $0.executeScript(sql) }
    }

    func testEveryValueTypeRoundTrips() throws {
        let values: [SQLValue] = [.text("ünïcödé 🔐 'quoted' ?"), .integer(Int64.max), .real(-1.0 / 3.0), .blob([0, 1, 92, 120, 254, 255])]
        let id = try db.write { try $0.insert("INSERT INTO items (name, amount, price, data) VALUES (?, ?, ?, ?)", values) }
        XCTAssertGreaterThan(id, 0)
        let row = try XCTUnwrap(try db.read { try $0.queryOne("SELECT * FROM items WHERE id = ?", [.integer(id)]) })
        XCTAssertEqual(row["name"], values[0])
        XCTAssertEqual(row["amount"], values[1])
        XCTAssertEqual(row["price"], values[2])
        XCTAssertEqual(row["data"], values[3])
        let empty = try db.write { try $0.insert("INSERT INTO items (name, data) VALUES (?, ?)", ["empty", .blob([])]) }
        let emptyRow = try XCTUnwrap(try db.read { try $0.queryOne("SELECT data, amount FROM items WHERE id = ?", [.integer(empty)]) })
        XCTAssertEqual(emptyRow["data"], .blob([]), "an empty blob is not NULL")
        XCTAssertEqual(emptyRow["amount"], .null)
        let counted = try db.read { try $0.queryOne("SELECT count(*) AS n, sum(amount) AS total, true AS yes FROM items") }
        XCTAssertEqual(counted?.int("n"), 2)
        XCTAssertEqual(counted?["total"], .integer(Int64.max), "sum() is numeric in PostgreSQL, read back as an integer")
        XCTAssertEqual(counted?.bool("yes"), true)
    }

    func testErrorsNeverCarryAParameterValue() {
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (amount) VALUES (?)", [.text("+44 7700 900123")]) }) { error in
            XCTAssertFalse("\(error)".contains("7700 900123"), "\(error)")
            XCTAssertTrue("\(error)".contains("22P02"), "\(error)")
        }
    }

    func testATextWithANulByteIsRefusedNotTruncated() {
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("a\0b")]) })
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 0)
    }

    func testConstraintFailuresAreToldApartAndWritesRollBack() throws {
        try db.write { try $0.execute("INSERT INTO items (name) VALUES ('a')") }
        XCTAssertThrowsError(try db.write { try $0.execute("INSERT INTO items (name) VALUES ('a')") }) { error in
            guard case DatabaseError.uniqueViolation(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("items_name_key"), message)
        }
        struct Boom: Error {}
        XCTAssertThrowsError(try db.write { connection in
            try connection.execute("INSERT INTO items (name) VALUES ('b')")
            throw Boom()
        })
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 1, "b was rolled back")
        XCTAssertThrowsError(try db.read { try $0.execute("INSERT INTO items (name) VALUES ('c')") }, "reads are read-only")
        XCTAssertThrowsError(try db.read { try $0.query("SELECT * FROM items WHERE id = ?", []) }) { error in
            guard case DatabaseError.postgres = error else { return XCTFail("\(error)") }
        }
        // The pool is still fine after every one of those errors.
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 1)
    }

    /// Two pools are two instances. A read-then-write increment from many threads of both
    /// loses no update: every write transaction holds the cluster-wide write lock.
    func testWriteTransactionsOfSeveralInstancesRunOneAtATime() throws {
        try assertNoIncrementLost { database, body in try database.write(body) }
    }

    /// 8 threads over two instances make 25 read-then-write increments each through `write`;
    /// all 200 must land.
    private func assertNoIncrementLost(
        _ write: @escaping (PostgreSQLDatabase, (DatabaseConnection) throws -> Void) throws -> Void,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let other = try PostgreSQLDatabase(url: url, poolSize: 4)
        defer { other.close() }
        try db.write { try $0.execute("INSERT INTO items (name, amount) VALUES ('counter', 0)") }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let mine = i % 2 == 0 ? db! : other
            for _ in 0..<25 {
                try! write(mine) { connection in
                    let n = try connection.queryOne("SELECT amount FROM items WHERE name = 'counter'")!.int64("amount")!
                    try connection.execute("UPDATE items SET amount = ? WHERE name = 'counter'", [.integer(n + 1)])
                }
            }
        }
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT amount FROM items WHERE name = 'counter'")?.int("amount") }, 200,
                       file: file, line: line)
    }

    /// What the session cache relies on: a write by another instance raises this instance's
    /// changeCount within a moment (LISTEN/NOTIFY); until the listener is connected it is nil.
    func testChangeCountHearsWritesOfOtherInstances() throws {
        let other = try PostgreSQLDatabase(url: url, poolSize: 2)
        defer { other.close() }
        func waitFor(_ condition: () -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: 30)   // generous: this checks that it happens
            while !condition() && Date() < deadline { usleep(200) }
            return condition()
        }
        XCTAssertTrue(waitFor { db.changeCount != nil }, "the listener connects")
        var lags: [Double] = []
        for i in 0..<20 {
            let before = try XCTUnwrap(db.changeCount)
            try other.write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text("n\(i)")]) }
            let committed = Date()
            XCTAssertTrue(waitFor { (db.changeCount ?? before) > before }, "write \(i) heard")
            lags.append(Date().timeIntervalSince(committed) * 1e6)
        }
        let before = try XCTUnwrap(db.changeCount)
        try other.read { _ = try $0.query("SELECT * FROM items") }
        usleep(20_000)
        XCTAssertEqual(db.changeCount, before, "reads are not changes")
        lags.sort()
        print("change heard after the commit returned: median \(Int(lags[lags.count / 2])) µs, max \(Int(lags.last!)) µs")
    }

    /// A read inside a write gets a connection even when the pool is full (it could be full of
    /// writers waiting for the lock this transaction holds): no deadlock, no 5 s timeout.
    func testAReadInsideAWriteNeverWaitsForTheFullPool() throws {
        let one = try PostgreSQLDatabase(url: url, poolSize: 1)
        defer { one.close() }
        // Were it to wait, the read would throw `.unavailable` after the pool's 5 s.
        let seen = try one.write { db -> Int? in
            try db.execute("INSERT INTO items (name) VALUES ('outer')")
            return try one.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }
        }
        XCTAssertEqual(seen, 0, "the read sees committed rows only")
        XCTAssertEqual(try one.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 1)
    }

    /// A single-statement write does not wait for the cluster-wide lock that a write holds.
    func testSingleStatementWritesDoNotWaitForTheWriteLock() throws {
        let other = try PostgreSQLDatabase(url: url, poolSize: 2)
        defer { other.close() }
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? other.write { db in
                try db.execute("INSERT INTO items (name) VALUES ('locked')")
                holding.signal()
                release.wait()
            }
        }
        holding.wait()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? self.db.writeStatement("INSERT INTO items (name) VALUES ('beside')", [])
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 3), .success, "not held up by the other instance's write lock")
        let waiting = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? self.db.write { try $0.execute("INSERT INTO items (name) VALUES ('after')") }
            waiting.signal()
        }
        XCTAssertEqual(waiting.wait(timeout: .now() + 0.5), .timedOut, "a write does wait for it")
        release.signal()
        XCTAssertEqual(waiting.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 3)
    }

    /// While another instance holds a keyed write, a write keyed otherwise goes ahead; one
    /// sharing a key waits, and so does a plain write; and a keyed write waits for a plain one.
    func testKeyedWritesWaitOnlyForTheSameKeyAndForPlainWrites() throws {
        let other = try PostgreSQLDatabase(url: url, poolSize: 2)
        defer { other.close() }
        func hold(_ write: @escaping (@escaping (DatabaseConnection) throws -> Void) throws -> Void) -> DispatchSemaphore {
            let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try? write { _ = try $0.query("SELECT 1"); holding.signal(); release.wait() }
            }
            holding.wait()
            return release
        }
        func attempt(_ name: String, _ write: @escaping (@escaping (DatabaseConnection) throws -> Void) throws -> Void) -> DispatchSemaphore {
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                try? write { try $0.execute("INSERT INTO items (name) VALUES (?)", [.text(name)]) }
                done.signal()
            }
            return done
        }
        var release = hold { body in try other.write(lockingOn: ["number:1"], body) }
        XCTAssertEqual(attempt("other key") { body in try self.db.write(lockingOn: ["number:2"], body) }.wait(timeout: .now() + 3),
                       .success, "another key goes ahead")
        let sameKey = attempt("same key") { body in try self.db.write(lockingOn: ["number:3", "number:1"], body) }
        let plain = attempt("plain") { body in try self.db.write(body) }
        XCTAssertEqual(sameKey.wait(timeout: .now() + 0.5), .timedOut, "a shared key waits")
        XCTAssertEqual(plain.wait(timeout: .now() + 0.1), .timedOut, "a plain write waits")
        release.signal()
        XCTAssertEqual(sameKey.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(plain.wait(timeout: .now() + 3), .success)

        release = hold { body in try other.write(body) }
        let keyed = attempt("keyed") { body in try self.db.write(lockingOn: ["number:4"], body) }
        XCTAssertEqual(keyed.wait(timeout: .now() + 0.5), .timedOut, "a keyed write waits for a plain one")
        release.signal()
        XCTAssertEqual(keyed.wait(timeout: .now() + 3), .success)
        XCTAssertEqual(try db.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 4)
    }

    /// Read-then-write increments keyed by the same name, from both instances, lose no update.
    func testKeyedWritesOfOneKeyRunOneAtATime() throws {
        try assertNoIncrementLost { database, body in try database.write(lockingOn: ["counter"], body) }
    }

    /// BEGIN travels with the first statement and the commit with a single statement: a
    /// failure among them is the statement's own error, nothing stays half-done, and the
    /// connection is fine for the next borrower.
    func testStatementsSentTogetherFailAsOne() throws {
        let one = try PostgreSQLDatabase(url: url, poolSize: 1)
        defer { one.close() }
        let inserted = try one.writeStatement("INSERT INTO items (name, amount) VALUES (?, ?) RETURNING id, amount",
                                              ["x", .integer(7)])
        XCTAssertEqual(inserted.first?.int("amount"), 7)
        XCTAssertThrowsError(try one.writeStatement("INSERT INTO items (name) VALUES (?)", ["x"])) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try one.write { try $0.execute("INSERT INTO items (name) VALUES (?)", ["x"]) }) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("\(error)") }
        }
        struct Boom: Error {}
        XCTAssertThrowsError(try one.write { _ -> Int in throw Boom() }, "a body that throws before any statement")
        XCTAssertEqual(try one.write { _ in 42 }, 42, "a body that runs no statement")
        let after = try one.write(lockingOn: ["x"]) { db -> Int? in
            try db.execute("INSERT INTO items (name) VALUES ('y')")
            return try db.queryOne("SELECT count(*) AS n FROM items")?.int("n")
        }
        XCTAssertEqual(after, 2, "one x, and y: none of the failures left a row or an open transaction")
        XCTAssertEqual(try one.read { try $0.queryOne("SELECT count(*) AS n FROM items")?.int("n") }, 2)
    }

    /// Statements sent together answer in order, each seeing the ones before it; a failure
    /// among them is its own error, and the transaction leaves nothing behind.
    func testQueriesSentTogetherAnswerInOrderAndFailAsOne() throws {
        let rows = try db.write { try $0.queries([
            ("INSERT INTO items (name, amount) VALUES (?, ?) RETURNING id", ["q", .integer(1)]),
            ("SELECT amount FROM items WHERE name = ?", ["q"]),
            ("SELECT count(*) AS n FROM items", []),
        ]) }
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[1].first?.int("amount"), 1, "a later statement sees an earlier one's row")
        XCTAssertEqual(rows[2].first?.int("n"), 1)
        XCTAssertThrowsError(try db.write { try $0.queries([
            ("INSERT INTO items (name) VALUES (?)", ["r"]),
            ("INSERT INTO items (name) VALUES (?)", ["q"]),
            ("INSERT INTO items (name) VALUES (?)", ["s"]),
        ]) }) { error in
            guard case DatabaseError.uniqueViolation = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try db.read { try $0.query("SELECT name FROM items").compactMap { $0.string("name") } }, ["q"],
                       "r rolled back, s never ran")
        // A write's last statements carry its commit; a failing one still rolls back everything.
        let last = try db.write(lockingOn: ["k"]) { connection -> [[Row]] in
            try connection.execute("INSERT INTO items (name) VALUES ('t')")
            return try connection.finalQueries([("INSERT INTO items (name) VALUES (?) RETURNING name", ["u"])])
        }
        XCTAssertEqual(last.first?.first?.string("name"), "u")
        XCTAssertThrowsError(try db.write { connection in
            try connection.execute("INSERT INTO items (name) VALUES ('v')")
            _ = try connection.finalQueries([("INSERT INTO items (name) VALUES (?)", ["q"])])
        })
        XCTAssertEqual(try db.read { try $0.query("SELECT name FROM items ORDER BY name").compactMap { $0.string("name") } },
                       ["q", "t", "u"], "t and u committed, v rolled back with the failing last statement")
        XCTAssertEqual(try db.read { try $0.finalQueries([("SELECT count(*) AS n FROM items", [])]) }.first?.first?.int("n"), 3,
                       "outside a write it is queries")
    }

    func testThreeInstancesMigratingAtOnceApplyEachMigrationOnce() throws {
        let migrations = Repository.path("Migrations")
        let pools = try (0..<3).map { _ in try PostgreSQLDatabase(url: url, poolSize: 2) }
        defer { pools.forEach { $0.close() } }
        let lock = NSLock()
        var applied: [Int] = []
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            do {
                let mine = try Migrator(directory: migrations).migrate(pools[i]).map(\.version)
                lock.lock(); applied += mine; lock.unlock()
            } catch {
                lock.lock(); failures.append("\(error)"); lock.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        let all = try Migrator(directory: migrations).migrations().map(\.version)
        XCTAssertEqual(applied.sorted(), all, "each migration applied by exactly one instance")
        let recorded = try db.read { try $0.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.int("version") } }
        XCTAssertEqual(recorded, all)
    }

    func testAWrongPasswordOrUnreachableServerStopsStartUpWithLibpqsMessage() {
        XCTAssertThrowsError(try PostgreSQLDatabase(url: "postgres://nobody:secret@127.0.0.1:1/none", poolSize: 1, connectTimeoutSeconds: 2)) { error in
            guard case DatabaseError.open(let name, let message) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(name.contains("secret"), "the password is not shown: \(name)")
            XCTAssertTrue(message.contains("127.0.0.1"), message)
        }
    }

    func testRedactedURLsHideThePassword() {
        XCTAssertEqual(PostgreSQLDatabase.redacted("postgres://twofa:s3cret@db:5432/twofa"), "postgres://twofa:•••@db:5432/twofa")
        XCTAssertEqual(PostgreSQLDatabase.redacted("postgres://twofa@db/twofa"), "postgres://twofa@db/twofa")
        XCTAssertEqual(PostgreSQLDatabase.redacted("postgres:///twofa?host=/run/pg&password=s3cret&sslmode=require"),
                       "postgres:///twofa?host=/run/pg&password=•••&sslmode=require")
        XCTAssertEqual(PostgreSQLDatabase.redacted("host=db password=s3cret dbname=twofa"), "host=db password=••• dbname=twofa")
        XCTAssertTrue(PostgreSQLDatabase.handles("postgresql://x/y"))
        XCTAssertFalse(PostgreSQLDatabase.handles("db/development.sqlite3"))
    }
}
