import COpenSSL
import Foundation

/// RSASSA-PKCS1-v1_5 with SHA-256 ("RS256" in JWT terms) under one RSA private key read
/// from PEM. The key is parsed once; signing is safe from many threads at once (OpenSSL 3
/// only reads a shared EVP_PKEY, and every call gets its own digest context).
public final class RS256Signer: @unchecked Sendable {
    private let key: OpaquePointer

    /// `pem`: "-----BEGIN PRIVATE KEY-----" (PKCS#8) or "-----BEGIN RSA PRIVATE KEY-----".
    /// Encrypted keys are refused rather than prompting on the terminal.
    public init(pem: String) throws {
        let bytes = Array(pem.utf8)
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that supplies no passphrase: OpenSSL's default would read the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let parsed else {
            throw SigningError("not a readable unencrypted PEM private key (\(SigningError.openSSLReason()))")
        }
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_RSA else {
            EVP_PKEY_free(parsed)
            throw SigningError("the private key is not an RSA key (RS256 needs RSA)")
        }
        guard EVP_PKEY_get_bits(parsed) >= 2048 else {
            EVP_PKEY_free(parsed)
            throw SigningError("the RSA key is shorter than 2048 bits")
        }
        key = parsed
    }

    /// Reads the PEM file at `path`. Errors name the path, never the contents.
    public convenience init(pemFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SigningError("cannot read the private key file \(path)")
        }
        do {
            try self.init(pem: String(decoding: data, as: UTF8.self))
        } catch let error as SigningError {
            throw SigningError("\(path): \(error.description)")
        }
    }

    deinit { EVP_PKEY_free(key) }

    /// The signature over `message` (256 bytes for a 2048-bit key).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw SigningError("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw SigningError("EVP_DigestSignInit failed (\(SigningError.openSSLReason()))")
        }
        var length = 0
        // First call: how long the signature will be; second: the signature itself.
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1 else { throw SigningError("EVP_DigestSign failed (\(SigningError.openSSLReason()))") }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { output in
                EVP_DigestSign(context, output.baseAddress, &length, input.baseAddress, input.count)
            }
        }
        guard signed == 1 else { throw SigningError("EVP_DigestSign failed (\(SigningError.openSSLReason()))") }
        return Array(signature.prefix(length))
    }
}

/// A key that cannot be read or used for signing. Never carries key material.
public struct SigningError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// The newest OpenSSL error on this thread as text, and clears the queue.
    static func openSSLReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no detail from OpenSSL" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(cString: buffer)
    }
}
