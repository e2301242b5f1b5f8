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
    /// A write transaction that other writers may run beside (PostgreSQL: without the
    /// cluster-wide lock `write` takes), for a body whose every statement is safe on its own:
    /// an upsert, an update or delete by key, never a check followed by a write that relies
    /// on it. SQLite has one writer, so there it is `write`.
    func concurrentWrite<T>(_ body: (DatabaseConnection) throws -> T) throws -> T
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
