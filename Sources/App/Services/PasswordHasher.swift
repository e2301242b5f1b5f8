import Foundation
import Security
import Support

/// Runs bcrypt on its own small pool of threads, apart from the HTTP workers, so a storm
/// of logins cannot starve page views: at most `threads` hashes run at once, at most
/// `queueLimit` more wait, and anything beyond that is refused at once with `Busy`
/// (the app answers 503 + Retry-After) instead of piling up.
///
/// The calling HTTP worker blocks until its hash is done. AppConfig keeps
/// `threads + queueLimit` below the number of HTTP workers, so waiting logins can never
/// hold every worker.
public final class PasswordHasher: @unchecked Sendable {
    /// The pool and its queue are full: try again in a moment.
    public struct Busy: Error, CustomStringConvertible {
        public var description: String { "password hashing is at capacity" }
    }

    /// The hashing functions. Tests substitute slow or gated ones to fill the pool
    /// without real bcrypt work.
    public struct Engine: Sendable {
        public var hash: @Sendable (_ password: String, _ cost: Int) throws -> String
        public var verify: @Sendable (_ password: String, _ digest: String) -> Bool

        public init(hash: @escaping @Sendable (String, Int) throws -> String,
                    verify: @escaping @Sendable (String, String) -> Bool) {
            self.hash = hash
            self.verify = verify
        }

        public static let bcrypt = Engine(hash: { try BCrypt.hash($0, cost: $1) },
                                          verify: { BCrypt.verify($0, against: $1) })
    }

    public let threads: Int
    public let queueLimit: Int
    public let cost: Int
    /// Nice value for the pool's threads (0: as the rest of the process). Negative raises
    /// their priority, which needs root or CAP_SYS_NICE (or RLIMIT_NICE); without it they
    /// stay at 0 and say so once in the log.
    public let niceness: Int32
    private let engine: Engine

    /// The bcrypt threads, started on first use: a server that nobody logs in to keeps no
    /// idle threads.
    private let pool: ThreadPool
    private let warningLock = NSLock()
    private var lastWarning = -Double.infinity

    public init(threads: Int, queueLimit: Int, cost: Int, niceness: Int32 = 0, engine: Engine = .bcrypt) {
        self.threads = max(1, threads)
        self.queueLimit = max(0, queueLimit)
        self.cost = cost
        self.niceness = niceness
        self.engine = engine
        pool = ThreadPool(name: "bcrypt", threads: threads, queueLimit: max(0, queueLimit), startsOnFirstJob: true) { [niceness] i in
            if niceness != 0 { Self.setNiceness(niceness, first: i == 0) }
        }
    }

    /// A new digest of `password` at the configured cost.
    public func hash(_ password: String) throws -> String {
        try run { [engine, cost] in try engine.hash(password, cost) }
    }

    /// Whether `password` matches `digest`. With no digest (unknown username) it still
    /// spends one hash at the configured cost and returns false, so both failures take
    /// as long and look alike from outside.
    public func verify(_ password: String, against digest: String?) throws -> Bool {
        try run { [engine, cost] in
            guard let digest else {
                _ = try? engine.hash(password, cost)
                return false
            }
            return engine.verify(password, digest)
        }
    }

    /// Whether a digest that just matched should be made again: not `$2b$` (a Rails `$2a$` or
    /// PHP `$2y$` one brought in by `twofa users import`), or made at another cost than today's.
    public func needsRehash(_ digest: String) -> Bool {
        !digest.hasPrefix("$2b$") || BCrypt.cost(of: digest) != cost
    }

    /// Throws `Busy` if the pool and queue are full right now. A cheap early answer, before
    /// the caller spends database writes on an attempt that would be refused anyway (the
    /// hash itself checks again: another request may take the last place meanwhile).
    public func checkRoom() throws {
        if !pool.checkRoom() { try refuse() }
    }

    /// Whether a hash would be taken right now (counts nothing: for choosing where to answer).
    public var hasRoom: Bool { pool.hasRoom }

    /// Hashes running or waiting right now, and requests refused so far (for tests and
    /// operators).
    public var load: (inFlight: Int, refused: Int) { pool.load }

    /// Lets queued hashes finish, then ends the threads (they also end with the process).
    public func stop() {
        pool.stop()
    }

    // MARK: Internals

    /// Runs `body` on a pool thread and waits for its result; throws `Busy` without
    /// waiting when the pool and queue are full.
    private func run<T>(_ body: @escaping () throws -> T) throws -> T {
        try BlockingGuard.check()
        guard let result = pool.perform(body) else { try refuse() }
        return try result.get()
    }

    /// Applies `niceness` to the calling thread (saying once, from the first thread, if refused).
    private static func setNiceness(_ niceness: Int32, first: Bool) {
        if !ThreadPriority.set(niceness), first {
            Log.info("bcrypt threads keep nice 0: setting \(niceness) needs root or CAP_SYS_NICE (\(String(cString: strerror(errno))))")
        }
    }

    /// Throws `Busy` (the pool has counted the refusal).
    private func refuse() throws -> Never {
        // One line per 10 s at most: a storm of refusals must not become a storm of log lines.
        let now = Date().timeIntervalSince1970
        warningLock.lock()
        let warn = now - lastWarning >= 10
        if warn { lastWarning = now }
        warningLock.unlock()
        if warn { Log.warning("password hashing at capacity (\(threads) threads, \(queueLimit) queued): answering 503; \(pool.load.refused) refused so far") }
        throw Busy()
    }
}
