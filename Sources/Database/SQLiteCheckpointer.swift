import CSQLite
import Foundation
import Support

/// Copies the WAL back into the database file from a thread and connection of its own.
///
/// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: that
/// writer then copies the pages and syncs the file while every other write waits behind it,
/// which shows in a busy server's slowest answers. Here the writer's commit only notes the
/// WAL's size (`sqlite3_wal_hook`, which replaces the automatic checkpoint) and, past the same
/// 1,000 pages, wakes this thread, which runs a PASSIVE checkpoint: it never waits for a
/// writer or a reader and they never wait for it. Nothing about durability changes: commits
/// are in the WAL before and after, and the WAL is synced at each checkpoint as before.
///
/// A checkpoint running beside the writer never quite catches up with it, and SQLite starts
/// the WAL over only after one has: under steady writes the file would grow without end (and
/// the kernel's write-back of gigabytes slows everything). So once the WAL passes `restartPages`
/// (by default `SQLiteDatabase.defaultWALRestartPages`, 16,000: 64 MB of 4 KiB pages), this
/// thread also asks the writer, between two batches, for a RESTART checkpoint on its own
/// connection, and the writer's next transaction reuses the WAL from its start. Every write
/// waits for that restart, so this thread first does beside the writer what made it slow: it
/// syncs the database file (a PASSIVE checkpoint writes the pages it copies but syncs the file
/// only when it catches up, so the restart's sync flushed everything copied since the last one:
/// 8–12 ms under Verify checks) and runs PASSIVE passes until one copies only a few frames. The
/// restart is then left the last frames and two short syncs (≈ 1 ms; BENCHMARKS.md, "seventh
/// pass"). It comes about once a second under the heaviest load.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// SQLite's own automatic checkpoint threshold, in WAL pages.
    static let pages: Int32 = 1000
    /// The WAL size (pages) past which the writer finishes the checkpoint (see above).
    private let restartPages: Int32

    private let writer: SQLiteWriter
    /// The WAL size at which the next restart is tried: one that found a reader still on an old
    /// snapshot (a backup holds one for minutes) is not tried again until the WAL has grown as
    /// much again. Touched only by this thread.
    private var restartAt: Int32
    private let busyTimeoutMilliseconds: Int32

    private let connection: SQLiteConnection
    private let condition = NSCondition()
    private var requested = false   // guarded by condition
    private var stopping = false    // guarded by condition
    private var running = true      // guarded by condition: the thread has not ended yet
    /// The WAL size (pages) at which the next commit asks for a checkpoint: 1,000 more than at the
    /// last request, so a WAL that cannot restart yet (a reader still on it) is not checkpointed
    /// again after every commit. Touched only in the writer's commit hook (one thread at a time).
    private var nextAt = SQLiteCheckpointer.pages

    /// Opens its own connection to `path` and starts the thread; `writer`'s commits wake it.
    init(path: String, writer: SQLiteWriter, busyTimeoutMilliseconds: Int32, restartPages: Int32) throws {
        self.writer = writer
        self.restartPages = restartPages
        restartAt = restartPages
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        // A connection that has read nothing yet does not know the file is in WAL mode, and its
        // checkpoints would do nothing.
        _ = try connection.queryOne("PRAGMA journal_mode", [])
        _ = try writer.exclusive { connection in try connection.withHandle { handle in
            sqlite3_wal_hook(handle, { context, _, _, pages in
                if let context { Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(walPages: pages) }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
        } }
        let thread = Thread { [self] in run() }   // last: nothing above may throw past a running thread
        thread.start()
    }

    /// Stops the thread and closes the connection. Call after the writer is closed (its hook
    /// points here).
    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
        connection.close()
    }

    /// After each of the writer's commits, with the WAL's size.
    private func committed(walPages pages: Int32) {
        if pages < nextAt - Self.pages { nextAt = Self.pages }   // the WAL started over
        guard pages >= nextAt else { return }
        nextAt = pages + Self.pages
        request()
    }

    private func request() {
        condition.lock()
        if !requested {
            requested = true
            condition.signal()
        }
        condition.unlock()
    }

    private func run() {
        ThreadName.setCurrent("sqlite-checkpoint")
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if stopping {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            checkpoint()
        }
    }

    private func checkpoint() {
        do {
            try connection.withHandle { handle in
                guard let pass = passive(handle) else { return }
                if pass.walPages < restartAt - restartPages { restartAt = restartPages }   // the WAL started over
                guard pass.walPages >= restartAt else { return }
                // Everything slow is done here, beside the writer, before it is stopped: the file's
                // sync, then passes that each copy what was committed during the one before.
                let started = MonotonicClock.now()
                let synced = syncDatabaseFile(handle)
                let syncSeconds = MonotonicClock.now() - started
                // The writer goes on meanwhile: once the WAL has grown by an eighth of the restart mark,
                // the passes stop, or a writer faster than the copying would take it far past the mark.
                let growthLimit = pass.walPages + restartPages / 8
                var backfilled = pass.backfilled, passes = 0
                while passes < Self.catchUpPasses {
                    guard let next = passive(handle) else { return }
                    passes += 1
                    let copied = next.backfilled - backfilled
                    backfilled = next.backfilled
                    if copied <= Self.caughtUpFrames || next.walPages >= growthLimit { break }
                }
                let stopped = MonotonicClock.now()
                let restarted = restartOnWriter()
                let heldSeconds = MonotonicClock.now() - stopped
                restartAt = restarted ? restartPages : pass.walPages + restartPages
                Log.debug("SQLite WAL restart: \(restarted ? "done" : "not done"), writes held \(LogLine.oneDecimal(heldSeconds * 1000)) ms; "
                          + "before it, " + (synced ? "the database file synced in \(LogLine.oneDecimal(syncSeconds * 1000)) ms" : "the database file's sync failed")
                          + " and \(passes) catch-up pass(es)")
            }
        } catch {
            Log.warning("SQLite checkpoint failed: \(error)")
        }
    }

    /// At most this many PASSIVE passes before a restart; a pass that copied no more than
    /// `caughtUpFrames` frames (a fraction of a millisecond's writes) ends them early.
    private static let catchUpPasses = 4
    private static let caughtUpFrames: Int32 = 64

    /// Syncs the database file. SQLite syncs it only at a checkpoint that catches up with the
    /// writer, the RESTART: until then it only writes the pages it copies, so the restart's sync
    /// had every page copied since the last one to flush (8–12 ms under Verify checks, every write
    /// waiting). Whether it synced (a failure is logged; the restart syncs again anyway).
    private func syncDatabaseFile(_ handle: OpaquePointer) -> Bool {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
              let file, let sync = file.pointee.pMethods?.pointee.xSync else { return false }
        let rc = sync(file, SQLITE_SYNC_NORMAL)
        if rc != SQLITE_OK { Log.warning("SQLite checkpoint: syncing the database file failed: \(connection.error(rc, sql: "xSync"))") }
        return rc == SQLITE_OK
    }

    /// A PASSIVE checkpoint on this thread's connection: the WAL's size and how much of it is now in
    /// the database file, in frames; nil if it did not run (SQLITE_BUSY: another process's
    /// checkpoint is running, and the next commit asks again).
    private func passive(_ handle: OpaquePointer) -> (walPages: Int32, backfilled: Int32)? {
        var walPages: Int32 = 0, backfilled: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walPages, &backfilled)
        if rc == SQLITE_OK { return (walPages, backfilled) }
        if rc != SQLITE_BUSY { Log.warning("SQLite checkpoint failed: \(connection.error(rc, sql: "wal_checkpoint"))") }
        return nil
    }

    /// A RESTART checkpoint on the writer's connection between two batches: it copies what is
    /// left, waits (briefly: reads are short) for readers of older snapshots, and leaves the WAL
    /// to be reused from its start by the next write.
    /// Whether it did. Writes wait meanwhile, so it waits at most 10 ms for readers.
    private func restartOnWriter() -> Bool {
        do {
            return try writer.exclusive { connection in
                try connection.withHandle { handle in
                    sqlite3_busy_timeout(handle, 10)
                    defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
                    let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
                    if rc != SQLITE_OK && rc != SQLITE_BUSY {
                        Log.warning("SQLite checkpoint (restart) failed: \(connection.error(rc, sql: "wal_checkpoint"))")
                    }
                    return rc == SQLITE_OK
                }
            }
        } catch {
            return false   // the database is closing
        }
    }
}
