import Database
import Foundation
import XCTest
@testable import App
import TestSupport

/// `SessionCache` on a real database file: entries last until this process writes
/// anything, or `maxAge` at most (writes by other processes, e.g. `twofa users delete`).
final class SessionCacheTests: XCTestCase {
    private var directory: String!
    private var config: AppConfig!
    private var db: SQLiteDatabase!
    private var user: User!
    private var session: Session!
    private var token: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "twofa-session-cache-" + UUID().uuidString
        config = try AppConfig.load(environment: [
            "APP_ENV": "test", "APP_ROOT": Repository.root, "DATABASE_URL": directory + "/db.sqlite3",
            "SMS_OUTBOX": directory + "/outbox.jsonl", "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
        ])
        db = try SQLiteDatabase(path: config.databasePath, readers: 2)
        _ = try Migrator(directory: config.migrationsDirectory).migrate(db)
        (user, session, token) = try db.write { conn in
            let user = try User.create(username: "alice", number: "+447700900123", passwordDigest: "x", now: 1_000, in: conn)
            let (session, token) = try Session.create(userID: user.id, ip: "127.0.0.1", userAgent: "tests", now: 1_000, in: conn)
            return (user, session, token)
        }
    }

    override func tearDown() {
        db?.close()
        db = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Another process on the same file: its writes don't move our `changeCount`.
    private func deleteSessionElsewhere() throws {
        let other = try SQLiteDatabase(path: config.databasePath, readers: 1)
        defer { other.close() }
        try other.write { try Session.destroy(id: session.id, in: $0) }
    }

    func testFindsTheSessionWithItsUser() throws {
        let cache = SessionCache(database: db)
        let lookup = try XCTUnwrap(try cache.lookUp(token: token))
        let (found, owner) = (lookup.session, lookup.user)
        XCTAssertEqual(found, session)
        XCTAssertEqual(owner, user)
        XCTAssertNil(try cache.lookUp(token: "not-a-token"))
        let again = try XCTUnwrap(try cache.lookUp(token: token)).session
        XCTAssertEqual(again.id, session.id)
    }

    func testKeepsAnEntryWhileNothingIsWrittenHereAndDropsItAtTheNextWrite() throws {
        let cache = SessionCache(database: db, maxAge: 3600)
        XCTAssertNotNil(try cache.lookUp(token: token)?.session.id)
        try deleteSessionElsewhere()
        // Within maxAge another process's write goes unnoticed: the entry really is reused.
        XCTAssertNotNil(try cache.lookUp(token: token)?.session.id, "served from the cache")
        // Any write through this process's database, about sessions or not, ends that.
        try db.write { try $0.execute("UPDATE users SET updated_at = updated_at WHERE id = ?", [.integer(user.id)]) }
        XCTAssertNil(try cache.lookUp(token: token)?.session.id)
    }

    func testLogoutInThisProcessIsSeenAtOnce() throws {
        let cache = SessionCache(database: db, maxAge: 3600)
        XCTAssertNotNil(try cache.lookUp(token: token)?.session.id)
        try db.write { try Session.destroy(id: session.id, in: $0) }
        XCTAssertNil(try cache.lookUp(token: token)?.session.id)
    }

    func testDeletingTheUserFromAnotherProcessIsNoticedOnceMaxAgePasses() throws {
        let cache = SessionCache(database: db, maxAge: 0.05)
        XCTAssertNotNil(try cache.lookUp(token: token)?.session.id)
        // What `twofa users delete alice` does: its own SQLiteDatabase on the file.
        let message = try UserAdmin.delete(config, username: "alice")
        XCTAssertTrue(message.hasPrefix("Deleted user alice"), message)
        // Once maxAge has passed (polled, not slept), the deleted account's session is gone.
        try eventually("the deleted account's session is gone") { try cache.lookUp(token: token) == nil }
    }

    func testChangesToTheUserAreSeenAtOnce() throws {
        let cache = SessionCache(database: db, maxAge: 3600)
        XCTAssertEqual(try cache.lookUp(token: token)?.user.number, "+447700900123")
        try db.write { try $0.execute("UPDATE users SET number = ? WHERE id = ?", [.text("+447700900999"), .integer(user.id)]) }
        XCTAssertEqual(try cache.lookUp(token: token)?.user.number, "+447700900999")
    }

    /// Keys hash one word of the digest but compare all of it: digests that share their first
    /// eight bytes are still two keys, and two sessions so alike are both found.
    func testKeysDifferingPastTheirFirstWordAreDistinct() throws {
        let digest = (0..<32).map { UInt8($0) }
        var keys: [SessionCache.Key: Int] = [:]
        for byte in 8..<32 {
            var other = digest
            other[byte] ^= 0x80
            XCTAssertNotEqual(SessionCache.Key(digest: other), SessionCache.Key(digest: digest), "byte \(byte)")
            keys[SessionCache.Key(digest: other)] = byte
        }
        keys[SessionCache.Key(digest: digest)] = -1
        XCTAssertEqual(keys.count, 25)
        XCTAssertEqual(keys[SessionCache.Key(digest: digest)], -1)
        XCTAssertEqual(SessionCache.Key(digest: digest), SessionCache.Key(digest: Array(digest)))

        // Through the cache: a second session of the same user is its own entry.
        let cache = SessionCache(database: db, maxAge: 3600)
        let (second, secondToken) = try db.write { try Session.create(userID: user.id, ip: "127.0.0.1", userAgent: "tests", now: 1_001, in: $0) }
        XCTAssertEqual(try cache.lookUp(token: token)?.session.id, session.id)
        XCTAssertEqual(try cache.lookUp(token: secondToken)?.session.id, second.id)
        XCTAssertEqual(try cache.lookUp(token: token)?.session.id, session.id)
    }
}
