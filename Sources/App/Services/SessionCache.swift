import Database
import Foundation
import Security
import Support

/// Sessions (with their users) looked up recently, so that most page views cost no SQLite
/// read. An entry is used only while the database has seen no write since it was read
/// (`Database.changeCount`: any write in this process, a logout or a revoked session
/// included, empties it in effect) and for at most `maxAge` seconds, which bounds how
/// long a write by another process (`twofa users delete …`) can go unnoticed.
/// Keys are token digests, as in the sessions table: no raw token is kept. They are kept as
/// bytes (`Key`), and turned into the table's hex text only to read a session.
/// On PostgreSQL, `changeCount` also goes up for every write by any other instance (LISTEN/
/// NOTIFY, heard within a moment of the commit), so a logout on one instance empties the
/// cache of every other; while that cannot be heard, nothing is cached.
final class SessionCache: @unchecked Sendable {
    private final class Entry {   // a class: a lookup copies one reference, not every field
        let lookup: Session.Lookup
        let changeCount: UInt64
        let readAt: Double

        init(lookup: Session.Lookup, changeCount: UInt64, readAt: Double) {
            self.lookup = lookup
            self.changeCount = changeCount
            self.readAt = readAt
        }
    }

    /// A token's SHA-256, 32 bytes in four words. Every page view looks one up: as a 64-character
    /// hex `String` the key cost an allocation, its encoding and SipHash over 64 bytes
    /// (BENCHMARKS.md, "The write path, eleventh pass"). A digest's words are already uniformly
    /// random, so the hash takes one of them, through `Hasher` and its per-process seed: nobody
    /// can aim tokens at one bucket. Equality compares all four.
    struct Key: Hashable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        init(digest: [UInt8]) {
            precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
            words = digest.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            }
        }

        static func == (a: Key, b: Key) -> Bool { a.words == b.words }
        func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
    }

    let maxAge: Double
    let capacity: Int
    private let database: Database
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    init(database: Database, maxAge: Double = 1, capacity: Int = 10_000) {
        self.database = database
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// The session named by `token` and its user (`Session.Lookup`): from the cache while it
    /// is current, otherwise from the database (and then remembered).
    func lookUp(token: String) throws -> Session.Lookup? {
        let digest = Digest.sha256(token)
        // Nil: PostgreSQL's change listener is not connected, so a logout on another instance
        // could go unheard; every lookup goes to the database until it is back.
        guard let changeCount = database.changeCount else {   // before the read: see Database.changeCount
            return try database.read { try Session.lookUp(digest: Hex.encode(digest), in: $0) }
        }
        let key = Key(digest: digest)
        let now = MonotonicClock.now()
        lock.lock()
        let cached = entries[key]
        lock.unlock()
        if let cached, cached.changeCount == changeCount, now - cached.readAt < maxAge {
            return cached.lookup
        }
        let found = try database.read { try Session.lookUp(digest: Hex.encode(digest), in: $0) }
        lock.lock()
        if let found {
            // Full: start again rather than track ages (a refill costs one read per session).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(lookup: found, changeCount: changeCount, readAt: now)
        } else {
            entries[key] = nil
        }
        lock.unlock()
        return found
    }
}
