import Foundation

/// Where the checkout and its build products are, for tests that read the app's folders
/// (config, Views, Migrations) or run the built `twofa`.
public enum Repository {
    /// The repository root: this file sits at Tests/TestSupport/Repository.swift.
    public static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `relative` under the root ("config/test.json").
    public static func path(_ relative: String) -> String { root + "/" + relative }

    public struct Missing: Error, CustomStringConvertible { public let description: String }

    /// SwiftPM's own answer for where this build's products are (`swift build --show-bin-path`),
    /// not a guessed `.build/debug`, so the tests never run a stale binary from elsewhere.
    public static func binPath() throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let cachedBinPath { return cachedBinPath }
        let result = try Subprocess.run("/usr/bin/env", ["swift", "build", "--package-path", root, "--show-bin-path"],
                                        timeout: 300)
        let path = result.out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !path.isEmpty else {
            throw Missing(description: "swift build --show-bin-path failed (\(result.status)): \(result.err)")
        }
        cachedBinPath = path
        return path
    }

    /// The built `twofa` executable; throws (the test fails, it is not skipped) when it is missing.
    public static func twofaBinary() throws -> String {
        let binary = try binPath() + "/twofa"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Missing(description: "no twofa executable at \(binary): run `swift build --build-tests` (bin/test does)")
        }
        return binary
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cachedBinPath: String?
}
