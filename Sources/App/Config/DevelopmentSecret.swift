import Foundation
import Security

/// Outside production a SECRET_KEY_BASE is generated once and kept beside the
/// database (mode 0600), so sessions and PINs survive restarts without setup.
enum DevelopmentSecret {
    /// Shorter secrets are refused, from the file as from SECRET_KEY_BASE.
    static let minimumLength = 32

    static func loadOrCreate(besideDatabase databasePath: String) throws -> String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        let file = (directory.isEmpty ? "." : directory) + "/secret_key_base"
        if let data = FileManager.default.contents(atPath: file),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            return try checked(text, from: file)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("cannot create \(directory) for the development secret: \(error.localizedDescription)")
        }
        let secret = Hex.encode(SecureRandom.bytes(64))
        // O_EXCL: if two processes race, one wins and the other reads the winner's file.
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST, let data = FileManager.default.contents(atPath: file),
               let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                return try checked(text, from: file)
            }
            throw ConfigError("cannot write \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array((secret + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw ConfigError("cannot write \(file)")
        }
        return secret
    }

    /// A short secret in the file (written by hand, or cut short) would sign sessions that
    /// are easy to forge: refused, never silently replaced (that would log everyone out).
    private static func checked(_ secret: String, from file: String) throws -> String {
        guard secret.utf8.count >= minimumLength else {
            throw ConfigError("\(file) holds a secret shorter than \(minimumLength) characters: delete the file to have a new one made, or set SECRET_KEY_BASE (openssl rand -hex 64)")
        }
        return secret
    }
}
