import Database
import Foundation
import Support

/// API clients read recently, so that a Verify or Twilio call checks its key and secret without
/// a read transaction of its own (7.5 % of a check's instructions, and its `pread`s: BENCHMARKS.md,
/// "The write path, thirteenth pass").
///
/// An entry is used only while the key stamp (`ApiKeyStamp`, rewritten by `twofa api-keys revoke`
/// and `custom-codes` once they have committed) reads as it did before the entry's row was read,
/// and for at most `maxAge` seconds, which bounds how long a change the stamp does not announce
/// (an operator's own SQL, a stamp the command could not write or a deleted stamp file) can go
/// unnoticed. So a key revoked with the command is refused by every server on the database from
/// the command's return on, as when every call read its row.
/// Without a stamp (PostgreSQL, whose instances share no file; a stamp that can't be opened or
/// read) every call reads its row, as before.
///
/// Entries hold what the table holds (the secret's SHA-256, never a secret), only for keys
/// that exist, so their number is bounded by the table's; every call still hashes its secret
/// and compares in constant time. A cached key with a wrong secret answers faster than an
/// unknown key, which tells only that the key exists: finding one takes guessing 64 random bits.
final class ApiClientCache: @unchecked Sendable {
    private final class Entry {   // a class: a lookup copies one reference
        let credentials: ApiClient.Credentials
        let stamp: ApiKeyStamp.Value
        let readAt: Double

        init(credentials: ApiClient.Credentials, stamp: ApiKeyStamp.Value, readAt: Double) {
            self.credentials = credentials
            self.stamp = stamp
            self.readAt = readAt
        }
    }

    static let defaultMaxAge = 1.0

    let maxAge: Double
    let capacity: Int
    private let database: Database
    private let stamp: ApiKeyStamp?
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    init(database: Database, stamp: ApiKeyStamp?, maxAge: Double = ApiClientCache.defaultMaxAge, capacity: Int = 10_000) {
        self.database = database
        self.stamp = stamp
        self.maxAge = maxAge
        self.capacity = capacity
        do { try stamp?.fillIfEmpty() } catch { Log.warning("API keys will be read on every call: \(error)") }
    }

    /// The active client with this key and secret, or nil (`ApiClient.Credentials.authenticate`).
    func authenticate(apiKey: String, secret: String) throws -> ApiClient? {
        guard let stamp, let current = stamp.read() else {   // before the read, as Database.changeCount
            return ApiClient.Credentials.authenticate(try database.read { try ApiClient.credentials(apiKey: apiKey, in: $0) }, secret: secret)
        }
        let now = MonotonicClock.now()
        lock.lock()
        let cached = entries[apiKey]
        lock.unlock()
        if let cached, ApiKeyStamp.same(cached.stamp, current), now - cached.readAt < maxAge {
            return ApiClient.Credentials.authenticate(cached.credentials, secret: secret)
        }
        stamp.reopenIfReplaced()   // a miss reads the database anyway: the place to look
        let found = try database.read { try ApiClient.credentials(apiKey: apiKey, in: $0) }
        lock.lock()
        if let found {
            // Full: start again rather than track ages (a refill costs one read per key).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[apiKey] = Entry(credentials: found, stamp: current, readAt: now)
        } else {
            entries[apiKey] = nil
        }
        lock.unlock()
        return ApiClient.Credentials.authenticate(found, secret: secret)
    }
}
