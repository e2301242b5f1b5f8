/// A database shared by every worker thread. Engines hand out connections only
/// inside these closures, so a connection is never used by two threads at once.
/// Do not keep a connection (or nest `write` calls) beyond the closure it was given to.
public protocol Database: AnyObject, Sendable {
    /// Runs `body` on a reader connection; many reads run at once. It sees committed data only:
    /// with SQLite one snapshot for the whole closure, with PostgreSQL what was committed
    /// before each statement. Writes are refused.
    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T
    /// Runs `body` on the single writer inside BEGIN IMMEDIATE … COMMIT;
    /// if `body` throws, the transaction is rolled back and the error rethrown.
    func write<T>(_ body: (DatabaseConnection) throws -> T) throws -> T
    /// A write transaction that runs beside others of its kind whose `keys` differ, and one at
    /// a time with those sharing a key and with every `write` (PostgreSQL: the cluster-wide
    /// lock taken shared, then a lock per key). For a body whose checks concern only rows its
    /// keys stand for: "no live request for this number, fewer than N sends to it" locks
    /// the number. SQLite has one writer, so there it is `write`.
    func write<T>(lockingOn keys: [String], _ body: (DatabaseConnection) throws -> T) throws -> T
    /// One statement as a write transaction of its own, beside other writers (PostgreSQL:
    /// without the cluster-wide lock `write` takes, and in one round trip), for a statement
    /// safe on its own: an upsert, an update or delete by key, never one whose effect relies
    /// on a check made before it. Returns its rows (`RETURNING`). It does not raise other
    /// instances' `changeCount` (PostgreSQL: no NOTIFY), so it is for rows no cache holds
    /// (rate windows, delivery marks). SQLite has one writer, so there it is a `write`.
    func writeStatement(_ sql: String, _ parameters: [SQLValue]) throws -> [Row]
    /// A statement like `writeStatement`'s whose commit the caller does not wait for (SQLite: it
    /// joins the transaction of a write already running, or runs at once if none is; a failure
    /// is logged, not thrown, once queued). Only for a record whose loss in a crash is already
    /// accepted, e.g. a message's "sent" mark. PostgreSQL: `writeStatement`.
    func writeBehind(_ sql: String, _ parameters: [SQLValue]) throws
    /// The writer, serialised with `write`, but with no implicit transaction
    /// (for the migrator, which opens and closes its own).
    func writeWithoutTransaction<T>(_ body: (DatabaseConnection) throws -> T) throws -> T
    /// Goes up after every `write` and `writeWithoutTransaction` (committed or not), so a
    /// cache of rows can tell that it may be stale: read it before the rows, compare later.
    /// SQLite counts this process's writes; PostgreSQL those of every process on the database
    /// (LISTEN/NOTIFY), and is nil while it cannot hear them: then nothing may be cached.
    var changeCount: UInt64? { get }
    /// Closes every connection, waiting for those lent out; later calls throw.
    func close()
}
