import CSQLite
import Foundation
import Glibc
import Support

/// A consistent copy of a live SQLite database, taken with the online backup API while the
/// server (another process) keeps reading and writing it.
///
/// The source is opened read-only and, in WAL mode, held in one read transaction for the
/// whole copy. That snapshot blocks no writer (they append to the WAL, which only stops being
/// reset until the copy ends), and it keeps `sqlite3_backup_step` from starting over each time
/// another connection commits, which under steady writes could never finish. So the copy holds
/// exactly what was committed when it began. Pages go over a step at a time into a temporary
/// file beside the destination, which is checked, made a rollback-journal database (one
/// self-contained file) and only then moved into place: a failed backup leaves no half file.
public struct SQLiteBackup {
    public struct Progress: Sendable {
        public let pagesCopied: Int
        public let pageCount: Int
        public init(pagesCopied: Int, pageCount: Int) {
            self.pagesCopied = pagesCopied
            self.pageCount = pageCount
        }
    }

    public struct Summary: Sendable {
        public let pages: Int
        public let bytes: Int64
        public let seconds: Double
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let source: String
    public let destination: String
    /// Replace an existing destination file (never the source itself).
    public var overwrite = false
    /// Pages copied per step.
    public var pagesPerStep: Int32 = 256
    /// Seconds to sleep after each step, leaving disk bandwidth to the server.
    public var pauseBetweenSteps: Double = 0
    /// Seconds SQLITE_BUSY / SQLITE_LOCKED may go on before the backup gives up.
    public var busyTimeout: Double = 30
    /// Asked after every step: true stops the backup (Ctrl-C), leaving no file behind.
    public var isCancelled: () -> Bool = { false }
    /// Seconds between retries while the source is busy.
    static let busyRetryPause = 0.01

    public init(source: String, destination: String) {
        self.source = source
        self.destination = destination
    }

    /// Copies, checks and moves the copy into place; `progress` is called after every step.
    public func run(progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let started = MonotonicClock.now()
        try checkPaths()
        let partial = destination + ".partial-\(getpid())"
        defer { Self.removeDatabaseFiles(partial) }   // a no-op once it has been moved into place

        let pages = try copy(to: partial, progress: progress)
        let bytes = try Self.syncFile(partial)
        try moveIntoPlace(partial)
        return Summary(pages: pages, bytes: bytes, seconds: MonotonicClock.now() - started)
    }

    // MARK: Steps

    /// Refuses what could only end badly, before any work: a missing source, a destination
    /// that exists (without `overwrite`), is a directory, or is the source itself.
    private func checkPaths() throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure("no SQLite database at \(source)")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        if !directory.isEmpty, !files.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw Failure("no directory \(directory) for \(destination)")
        }
        guard files.fileExists(atPath: destination, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue { throw Failure("\(destination) is a directory") }
        if Self.sameFile(source, destination) { throw Failure("\(destination) is the database being backed up") }
        if !overwrite { throw Failure("\(destination) already exists (use --force to replace it)") }
    }

    /// The backup proper, into `partial`; returns the pages copied.
    private func copy(to partial: String, progress: (Progress) -> Void) throws -> Int {
        let from = try SQLiteConnection(path: source, readOnly: true, busyTimeoutMilliseconds: 5000)
        defer { from.close() }
        let to = try SQLiteConnection(path: partial, readOnly: false, busyTimeoutMilliseconds: 5000)
        defer { to.close() }

        // The snapshot (see the type's comment). Outside WAL a held read lock would block
        // writers instead, so there each step takes its own and the copy restarts on a commit.
        let holdSnapshot = try from.queryOne("PRAGMA journal_mode", [])?.string("journal_mode") == "wal"
        if holdSnapshot {
            try from.executeScript("BEGIN; SELECT count(*) FROM sqlite_schema;")   // BEGIN alone reads nothing
        }
        defer { if holdSnapshot { try? from.executeScript("COMMIT;") } }

        let pages = try from.withHandle { source in
            try to.withHandle { destination in
                try steps(from: source, to: destination, progress: progress)
            }
        }

        // The copy keeps the source's WAL flag in its header: make it one self-contained file.
        let mode = try to.queryOne("PRAGMA journal_mode = DELETE", [])?.string("journal_mode")
        guard mode == "delete" else { throw Failure("could not set the copy's journal mode (got \(mode ?? "nothing"))") }
        let check = try to.query("PRAGMA integrity_check", []).compactMap { $0.string("integrity_check") }
        guard check == ["ok"] else {
            throw Failure("the copy failed its integrity check: " + check.prefix(5).joined(separator: "; "))
        }
        return pages
    }

    private func steps(from source: OpaquePointer, to destination: OpaquePointer,
                       progress: (Progress) -> Void) throws -> Int {
        guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
            throw Failure("cannot start the backup: \(String(cString: sqlite3_errmsg(destination)))")
        }
        var finished = false
        defer { if !finished { sqlite3_backup_finish(backup) } }

        var busySince: Double?
        while true {
            let rc = sqlite3_backup_step(backup, pagesPerStep)
            let total = Int(sqlite3_backup_pagecount(backup))
            if isCancelled() { throw Failure("interrupted; nothing was written to \(self.destination)") }
            switch rc & 0xFF {
            case SQLITE_OK, SQLITE_DONE:
                busySince = nil
                progress(Progress(pagesCopied: total - Int(sqlite3_backup_remaining(backup)), pageCount: total))
                if rc == SQLITE_DONE {
                    finished = true
                    let end = sqlite3_backup_finish(backup)
                    guard end == SQLITE_OK else {
                        throw Failure("backup failed: \(String(cString: sqlite3_errmsg(destination)))")
                    }
                    return total
                }
                if pauseBetweenSteps > 0 { Self.sleep(pauseBetweenSteps) }
            case SQLITE_BUSY, SQLITE_LOCKED:
                // Another connection holds a lock we need for a moment (e.g. a WAL recovery).
                let since = busySince ?? MonotonicClock.now()
                busySince = since
                if MonotonicClock.now() - since > busyTimeout {
                    throw Failure("the database stayed busy for \(Int(busyTimeout)) s; try again later")
                }
                Self.sleep(Self.busyRetryPause)
            default:
                throw Failure("backup step failed: \(String(cString: sqlite3_errstr(rc)))")
            }
        }
    }

    /// Renames the finished copy to the destination. Without `overwrite`, link() + unlink()
    /// so that a file appearing there meanwhile is never replaced.
    private func moveIntoPlace(_ partial: String) throws {
        if overwrite {
            guard rename(partial, destination) == 0 else { throw Failure("cannot move the copy to \(destination): \(Self.lastError())") }
        } else {
            guard link(partial, destination) == 0 else {
                if Glibc.errno == EEXIST { throw Failure("\(destination) already exists (use --force to replace it)") }
                throw Failure("cannot move the copy to \(destination): \(Self.lastError())")
            }
            unlink(partial)
        }
        // The rename itself survives a crash only once the directory is on disk.
        let directory = (destination as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    // MARK: Files

    /// Flushes the closed copy to disk; returns its size.
    private static func syncFile(_ path: String) throws -> Int64 {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure("cannot reopen the copy \(path): \(lastError())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure("cannot flush the copy \(path) to disk: \(lastError())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure("cannot stat the copy \(path): \(lastError())") }
        return Int64(info.st_size)
    }

    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private static func sleep(_ seconds: Double) { usleep(useconds_t(seconds * 1_000_000)) }

    private static func lastError() -> String { String(cString: strerror(Glibc.errno)) }
}
