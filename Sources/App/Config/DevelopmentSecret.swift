import Foundation
import Security

/// Outside production a SECRET_KEY_BASE is generated once and kept beside the
/// database (mode 0600), so sessions and PINs survive restarts without setup.
enum DevelopmentSecret {
    static func loadOrCreate(besideDatabase databasePath: String) throws -> String {
        let directory = (databasePath as NSString).deletingLastPathComponent
        let file = (directory.isEmpty ? "." : directory) + "/secret_key_base"
        if let data = FileManager.default.contents(atPath: file),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
           text.utf8.count >= 32 {
            return text
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
                return text
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
}
