import Foundation
import Security
import Support
import Synchronization

/// Sixteen random bytes in a file beside the SQLite database (`<database>-apikeys`, mode 0600),
/// rewritten after their commit by the commands that change what a server caches of an API
/// client (`twofa api-keys revoke` and `custom-codes`). A server keeps the clients it has read
/// (`ApiClientCache`) only while the bytes read as they did before it read them, so a key those
/// commands revoke is refused by every server on the file from the command's return on, at the
/// price of one `pread` per call instead of a read transaction.
///
/// The bytes are not a secret and carry no meaning: any change, even a torn read, only makes a
/// cache read its rows again. A stamp that cannot be read is never trusted.
final class ApiKeyStamp: Sendable {
    typealias Value = (UInt64, UInt64)

    let path: String
    /// The open file; replaced by `reopenIfReplaced`, whose older descriptors stay open in `retired`.
    private let fd: Atomic<Int32>
    private let retired = Mutex<[Int32]>([])

    /// The stamp of the SQLite file `config` names; nil for PostgreSQL (instances share no file)
    /// and in-memory databases. Throws when the file can't be opened.
    static func of(_ config: AppConfig) throws -> ApiKeyStamp? {
        let path = config.databasePath
        guard config.postgresURL == nil, path != ":memory:", !path.isEmpty, !path.hasPrefix("file:") else { return nil }
        return try ApiKeyStamp(besideDatabase: path)
    }

    /// `of(config)` for a server, which can do without: it then reads API keys on every call.
    static func forServer(_ config: AppConfig) -> ApiKeyStamp? {
        do {
            return try of(config)
        } catch {
            Log.warning("\(error): API keys are read on every call (is the file another user's?)")
            return nil
        }
    }

    /// The stamp of the SQLite database at `databasePath` (symbolic links resolved, so every
    /// process on the file finds the same stamp).
    init(besideDatabase databasePath: String) throws {
        let resolved = databasePath.withCString { pointer -> String in
            guard let real = realpath(pointer, nil) else { return databasePath }
            defer { free(real) }
            return String(cString: real)
        }
        path = resolved + "-apikeys"
        fd = Atomic(try Self.open(path))
    }

    deinit {
        close(fd.load(ordering: .relaxed))
        retired.withLock { $0.forEach { close($0) } }
    }

    /// The bytes now, or nil when they can't be read (a new, empty file included).
    func read() -> Value? {
        var value: Value = (0, 0)
        let count = withUnsafeMutableBytes(of: &value) { pread(fd.load(ordering: .acquiring), $0.baseAddress, 16, 0) }
        return count == 16 ? value : nil
    }

    /// New random bytes, once a change to `api_clients` has committed.
    func change() throws {
        let bytes = SecureRandom.bytes(16)
        let written = bytes.withUnsafeBytes { pwrite(fd.load(ordering: .acquiring), $0.baseAddress, 16, 0) }
        guard written == 16 else {
            throw StampError(description: "cannot write \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }

    /// Gives a new, empty file its first bytes (an empty stamp is never trusted); leaves others alone.
    func fillIfEmpty() throws {
        if read() == nil { try change() }
    }

    /// If the file at `path` is no longer the one open (deleted, or replaced by a cleanup), opens
    /// the new one: a command writes to whatever file the path names, and a server reading the old
    /// one would never see it change. For the cache's misses, not every call: until then its
    /// entries last their `maxAge`, as for any change the stamp does not announce.
    func reopenIfReplaced() {
        retired.withLock { retired in
            let current = fd.load(ordering: .acquiring)
            var open = stat(), named = stat()
            guard fstat(current, &open) == 0 else { return }
            if stat(path, &named) == 0, named.st_dev == open.st_dev, named.st_ino == open.st_ino { return }
            guard let fresh = try? Self.open(path) else { return }   // keeps the old file: trusted no more than before
            fd.store(fresh, ordering: .releasing)
            try? fillIfEmpty()   // as at start-up
            // Another thread may be inside `read` with the old descriptor: closing it could hand its
            // number to an unrelated file. So it stays open, one per replacement, until deinit.
            retired.append(current)
        }
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StampError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    static func same(_ a: Value, _ b: Value) -> Bool { a.0 == b.0 && a.1 == b.1 }

    struct StampError: Error, CustomStringConvertible {
        let description: String
    }
}
