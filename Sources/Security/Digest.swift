import COpenSSL

/// Hashes and MACs through OpenSSL (its one-shot MACs; SHA-256 through its low-level calls).
public enum Digest {
    /// SHA-256 through OpenSSL's low-level functions: the EVP one-shot (`EVP_Digest`) allocates
    /// a context and a provider context and frees both on every call, which cost 7 k instructions
    /// per hash of a short string, five times the hashing; a session lookup hashes the cookie on
    /// every page view, and an API call its secret.
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes(sha256(bytes:))
    }

    /// Hashes the string's UTF-8 where it lies (a copy into an array cost an allocation per
    /// session cookie and API secret).
    public static func sha256(_ string: String) -> [UInt8] {
        var string = string
        return string.withUTF8 { sha256(bytes: UnsafeRawBufferPointer($0)) }
    }

    private static func sha256(bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var context = SHA256_CTX()
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let ok = SHA256_Init(&context) == 1
            && SHA256_Update(&context, bytes.baseAddress, bytes.count) == 1
            && SHA256_Final(&output, &context) == 1
        guard ok else { fatalError("SHA-256 failed") }
        return output
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
    static func withNonNullPointer<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body($0, 0) }
        }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}
