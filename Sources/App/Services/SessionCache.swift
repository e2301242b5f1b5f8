import Database
import Foundation
import Support

/// Sessions (with their users) looked up recently, so that most page views cost no SQLite
/// read. An entry is used only while the database has seen no write since it was read
/// (`Database.changeCount`: any write in this process, a logout or a revoked session
/// included, empties it in effect) and for at most `maxAge` seconds, which bounds how
/// long a write by another process (`twofa users delete …`) can go unnoticed.
/// Keys are token digests, as in the sessions table: no raw token is kept.
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

    let maxAge: Double
    let capacity: Int
    private let database: Database
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    init(database: Database, maxAge: Double = 1, capacity: Int = 10_000) {
        self.database = database
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// The session named by `token` and its user (`Session.Lookup`): from the cache while it
    /// is current, otherwise from the database (and then remembered).
    func lookUp(token: String) throws -> Session.Lookup? {
        let digest = Session.digest(of: token)
        // Nil: PostgreSQL's change listener is not connected, so a logout on another instance
        // could go unheard; every lookup goes to the database until it is back.
        guard let changeCount = database.changeCount else {   // before the read: see Database.changeCount
            return try database.read { try Session.lookUp(digest: digest, in: $0) }
        }
        let now = MonotonicClock.now()
        lock.lock()
        let cached = entries[digest]
        lock.unlock()
        if let cached, cached.changeCount == changeCount, now - cached.readAt < maxAge {
            return cached.lookup
        }
        let found = try database.read { try Session.lookUp(digest: digest, in: $0) }
        lock.lock()
        if let found {
            // Full: start again rather than track ages (a refill costs one read per session).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = Entry(lookup: found, changeCount: changeCount, readAt: now)
        } else {
            entries[digest] = nil
        }
        lock.unlock()
        return found
    }
}
