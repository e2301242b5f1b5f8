import Foundation
import TestSupport

/// The openssl command-line tool, used as an independent party: it makes throwaway test
/// keys (no private key is committed) and signs/verifies to check our RS256 signer.
enum OpenSSLTool {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static let directory: String = {
        let path = NSTemporaryDirectory() + "twofa-messaging-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A 2048-bit RSA key pair made once per test run: (private PEM path, public PEM path).
    static let rsaKey: (privatePath: String, publicPath: String) = {
        let privatePath = directory + "/test-only-rsa.pem", publicPath = directory + "/test-only-rsa.pub.pem"
        _ = try? run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privatePath])
        _ = try? run(["pkey", "-in", privatePath, "-pubout", "-out", publicPath])
        return (privatePath, publicPath)
    }()

    static func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// True when openssl says the signature over `message` verifies under the public key.
    static func verifyRS256(message: [UInt8], signature: [UInt8], publicKeyPath: String = rsaKey.publicPath) throws -> Bool {
        let messagePath = try file("message-\(UUID().uuidString)", message)
        let signaturePath = try file("signature-\(UUID().uuidString)", signature)
        let (status, _) = try run(["dgst", "-sha256", "-verify", publicKeyPath, "-signature", signaturePath, messagePath],
                                  allowFailure: true)
        return status == 0
    }

    static func signRS256(message: [UInt8], privateKeyPath: String = rsaKey.privatePath) throws -> [UInt8] {
        let messagePath = try file("message-\(UUID().uuidString)", message)
        return try run(["dgst", "-sha256", "-sign", privateKeyPath, messagePath]).output
    }

    @discardableResult
    static func run(_ arguments: [String], allowFailure: Bool = false) throws -> (status: Int32, output: [UInt8]) {
        let result = try Subprocess.run("/usr/bin/env", ["openssl"] + arguments, input: Data())
        if result.status != 0 && !allowFailure {
            throw Failure(description: "openssl \(arguments.first ?? "") exited \(result.status): \(result.err)")
        }
        return (result.status, Array(result.outData))
    }
}
