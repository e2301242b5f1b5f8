import COpenSSL

/// Hashes and MACs through OpenSSL's one-shot functions.
public enum Digest {
    /// SHA-256 fetched from the default provider once. `EVP_sha256()` would make OpenSSL 3
    /// look the algorithm up again (under a lock) on every call, and a session lookup hashes
    /// the cookie on every page view.
    nonisolated(unsafe) private static let fetchedSHA256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = withNonNullPointer(data) { pointer, count in
            EVP_Digest(pointer, count, &output, &length, fetchedSHA256 ?? EVP_sha256(), nil)
        }
        guard ok == 1 else { fatalError("EVP_Digest(SHA-256) failed") }
        return Array(output.prefix(Int(length)))
    }

    public static func sha256(_ string: String) -> [UInt8] {
        sha256(Array(string.utf8))
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha256(), key: key, message: message)
    }

    public static func hmacSHA256(key: [UInt8], message: String) -> [UInt8] {
        hmacSHA256(key: key, message: Array(message.utf8))
    }

    /// HMAC-SHA1 is still what RFC 6238 TOTP authenticator apps expect.
    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(EVP_sha1(), key: key, message: message)
    }

    private static func hmac(_ md: OpaquePointer?, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = withNonNullPointer(key) { keyPointer, keyCount in
            withNonNullPointer(message) { messagePointer, messageCount in
                HMAC(md, keyPointer, Int32(keyCount), messagePointer, messageCount, &output, &length)
            }
        }
        guard result != nil else { fatalError("HMAC failed") }
        return Array(output.prefix(Int(length)))
    }

    /// An empty Swift array may have no storage; OpenSSL treats a NULL key specially
    /// (as "reuse the previous key"), so always pass a real pointer, with length 0 if empty.
    private static func withNonNullPointer<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body($0, 0) }
        }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}
