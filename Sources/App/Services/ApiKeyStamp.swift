import Foundation
import Security
import Support

/// Sixteen random bytes in a file beside the SQLite database (`<database>-apikeys`, mode 0600),
/// rewritten by every process that changes an API client, after its commit (`twofa api-keys
/// revoke` and `custom-codes`). A server keeps the clients it has read (`ApiClientCache`) only
/// while the bytes read as they did before it read them, so a key revoked by any process is
/// refused by every server on the file from the revoking command's return on, at the price of
/// one `pread` per call instead of a read transaction.
///
/// The bytes are not a secret and carry no meaning: any change, even a torn read, only makes a
/// cache read its rows again. A stamp that cannot be read is never trusted.
final class ApiKeyStamp: @unchecked Sendable {
    typealias Value = (UInt64, UInt64)

    let path: String
    private let fd: Int32

    /// The stamp of the SQLite file `config` names; nil for PostgreSQL (instances share no file)
    /// and in-memory databases, and when it can't be opened (logged).
    static func of(_ config: AppConfig) -> ApiKeyStamp? {
        let path = config.databasePath
        guard config.postgresURL == nil, path != ":memory:", !path.isEmpty, !path.hasPrefix("file:") else { return nil }
        guard let stamp = ApiKeyStamp(besideDatabase: path) else {
            Log.warning("cannot open \(path)-apikeys (\(String(cString: strerror(errno)))): API keys are read on every call")
            return nil
        }
        return stamp
    }

    /// The stamp of the SQLite database at `databasePath` (symbolic links resolved, so every
    /// process on the file finds the same stamp); nil when the file can't be opened.
    init?(besideDatabase databasePath: String) {
        let resolved = databasePath.withCString { pointer -> String in
            guard let real = realpath(pointer, nil) else { return databasePath }
            defer { free(real) }
            return String(cString: real)
        }
        let path = resolved + "-apikeys"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }   // before any property is set: no deinit to close it
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The bytes now, or nil when they can't be read (a new, empty file included).
    func read() -> Value? {
        var value: Value = (0, 0)
        let count = withUnsafeMutableBytes(of: &value) { pread(fd, $0.baseAddress, 16, 0) }
        return count == 16 ? value : nil
    }

    /// New random bytes, once a change to `api_clients` has committed.
    func change() throws {
        let bytes = SecureRandom.bytes(16)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, 16, 0) }
        guard written == 16 else {
            throw WriteError(description: "cannot write \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }

    static func same(_ a: Value, _ b: Value) -> Bool { a.0 == b.0 && a.1 == b.1 }

    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }
}
