import Database
import Foundation
import XCTest
@testable import App
import TestSupport

/// `ApiClientCache` on a real database file: an entry lasts while the key stamp beside the file
/// is unchanged (`twofa api-keys revoke` and `custom-codes` rewrite it after their commit),
/// `maxAge` at most.
final class ApiClientCacheTests: XCTestCase {
    private var directory: String!
    private var config: AppConfig!
    private var db: SQLiteDatabase!
    private var key: String!
    private var secret: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "twofa-api-client-cache-" + UUID().uuidString
        config = try AppConfig.load(environment: [
            "APP_ENV": "test", "APP_ROOT": Repository.root, "DATABASE_URL": directory + "/db.sqlite3",
            "SMS_OUTBOX": directory + "/outbox.jsonl", "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
        ])
        db = try SQLiteDatabase(path: config.databasePath, readers: 2)
        _ = try Migrator(directory: config.migrationsDirectory).migrate(db)
        (key, secret) = try APIKeyCommands.create(config, name: "tests")
    }

    override func tearDown() {
        db?.close()
        db = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func cache(maxAge: Double = 3600) throws -> ApiClientCache {
        ApiClientCache(database: db, stamp: try XCTUnwrap(try ApiKeyStamp.of(config)), maxAge: maxAge)
    }

    /// A change made without the stamp (an operator's own SQL): the cache can't know of it.
    private func revokeBehindTheStamp() throws {
        try db.write { try $0.execute("UPDATE api_clients SET revoked_at = 1 WHERE api_key = ?", [.text(key)]) }
    }

    func testChecksTheSecretOnEveryCall() throws {
        let cache = try cache()
        XCTAssertEqual(try cache.authenticate(apiKey: key, secret: secret)?.apiKey, key)
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: String(repeating: "0", count: 64)), "a cached key with a wrong secret")
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: ""))
        XCTAssertNil(try cache.authenticate(apiKey: "0000000000000000", secret: secret), "an unknown key")
        XCTAssertEqual(try cache.authenticate(apiKey: key, secret: secret)?.name, "tests")
    }

    func testKeepsAnEntryWhileTheStampIsUnchanged() throws {
        let cache = try cache()
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        try revokeBehindTheStamp()
        // The row really is not read again: the change made behind the stamp goes unnoticed.
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret), "served from the cache")
        try XCTUnwrap(try ApiKeyStamp.of(config)).change()
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: secret), "read again once the stamp changed")
    }

    func testARevokedKeyIsRefusedOnceTheCommandReturns() throws {
        let cache = try cache()
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        // What `twofa api-keys revoke KEY` does: its own database on the file, then the stamp.
        XCTAssertTrue(try APIKeyCommands.revoke(config, apiKey: key))
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: secret))
    }

    func testCustomCodesChangedByTheCommandAreSeenAtOnce() throws {
        let cache = try cache()
        XCTAssertEqual(try cache.authenticate(apiKey: key, secret: secret)?.customCodes, false)
        XCTAssertTrue(try APIKeyCommands.customCodes(config, apiKey: key, allowed: true))
        XCTAssertEqual(try cache.authenticate(apiKey: key, secret: secret)?.customCodes, true)
    }

    func testAChangeBehindTheStampIsNoticedOnceMaxAgePasses() throws {
        let cache = try cache(maxAge: 0.05)
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        try revokeBehindTheStamp()
        // Polled, not slept: the refusal must come within a few maxAges.
        let deadline = Date().addingTimeInterval(5)
        while try cache.authenticate(apiKey: key, secret: secret) != nil {
            guard Date() < deadline else { return XCTFail("still admitted 5 s after the change") }
            usleep(10_000)
        }
    }

    func testAStampThatCannotBeReadIsNeverTrusted() throws {
        let cache = try cache()
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        let stamp = try XCTUnwrap(try ApiKeyStamp.of(config))
        XCTAssertEqual(truncate(stamp.path, 0), 0)
        try revokeBehindTheStamp()
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: secret), "an empty stamp: the row is read")
    }

    func testANewStampFileGetsItsFirstBytesAndSymbolicLinksFindTheSameStamp() throws {
        let stamp = try XCTUnwrap(try ApiKeyStamp.of(config))
        XCTAssertEqual(truncate(stamp.path, 0), 0)
        XCTAssertNil(stamp.read())
        _ = try cache()
        let first = try XCTUnwrap(stamp.read(), "the cache gave the empty stamp its bytes")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: stamp.path)[.posixPermissions] as? Int, 0o600)

        let link = directory + "/link.sqlite3"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: config.databasePath)
        let throughLink = try ApiKeyStamp(besideDatabase: link)
        XCTAssertEqual(throughLink.path, stamp.path)
        try throughLink.change()
        XCTAssertFalse(ApiKeyStamp.same(first, try XCTUnwrap(stamp.read())))
    }

    func testADeletedStampFileIsFollowedToItsNewFileAtTheNextMiss() throws {
        let cache = try cache(maxAge: 1)
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        let stamp = try XCTUnwrap(try ApiKeyStamp.of(config))
        XCTAssertEqual(unlink(stamp.path), 0)   // a cleanup removes it while the server runs
        // Past maxAge the entry is read again, and the cache moves to the file the path names now.
        usleep(1_100_000)
        XCTAssertNotNil(try cache.authenticate(apiKey: key, secret: secret))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: stamp.path)[.size] as? Int, 16,
                       "the new file, made at the miss, got its first bytes")
        // From then on the command's stamp is seen at once again, well within the new entry's second.
        XCTAssertTrue(try APIKeyCommands.revoke(config, apiKey: key))
        XCTAssertNil(try cache.authenticate(apiKey: key, secret: secret))
    }

    func testPostgreSQLAndMemoryHaveNoStamp() throws {
        var other = config!
        other.postgresURL = "postgres://localhost/twofa"
        XCTAssertNil(try ApiKeyStamp.of(other))
        other = config!
        other.databasePath = ":memory:"
        XCTAssertNil(try ApiKeyStamp.of(other))
    }
}
