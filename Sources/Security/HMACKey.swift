import COpenSSL

/// HMAC-SHA256 under one key that is used again and again (the Verify engine's PIN key).
/// OpenSSL's one-shot `HMAC()` fetches the algorithm, builds a context and digests the padded
/// key on every call (12 k instructions of every Verify check); here that happens once, and
/// each MAC starts from a copy of the keyed context.
public final class HMACKey: @unchecked Sendable {
    /// Keyed once in `init`, never changed after: `EVP_MAC_CTX_dup` only reads it (its source
    /// is `const`), so threads may copy it at the same time.
    private let keyed: OpaquePointer

    public init(_ key: [UInt8]) {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { fatalError("EVP_MAC_fetch(HMAC) failed") }
        defer { EVP_MAC_free(mac) }   // the context keeps its own reference
        guard let context = EVP_MAC_CTX_new(mac) else { fatalError("EVP_MAC_CTX_new failed") }
        let ok = "digest".withCString { name in
            "SHA256".withCString { value in
                var parameters = [OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                                  OSSL_PARAM_construct_end()]
                return Digest.withNonNullPointer(key) { EVP_MAC_init(context, $0, $1, &parameters) }
            }
        }
        guard ok == 1 else { fatalError("EVP_MAC_init(HMAC-SHA256) failed") }
        keyed = context
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    /// The 32-byte HMAC-SHA256 of `message`; the same as `Digest.hmacSHA256(key:message:)`.
    public func mac(_ message: [UInt8]) -> [UInt8] {
        guard let context = EVP_MAC_CTX_dup(keyed) else { fatalError("EVP_MAC_CTX_dup failed") }
        defer { EVP_MAC_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 32)
        var length = 0
        guard Digest.withNonNullPointer(message, { EVP_MAC_update(context, $0, $1) }) == 1,
              EVP_MAC_final(context, &output, &length, output.count) == 1, length == 32 else {
            fatalError("HMAC-SHA256 failed")
        }
        return output
    }

    public func mac(_ message: String) -> [UInt8] {
        mac(Array(message.utf8))
    }
}
