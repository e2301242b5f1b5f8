import COpenSSL

/// Cryptographically secure random values from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes. If OpenSSL cannot produce them the process stops:
    /// carrying on with predictable tokens or salts would be worse than crashing.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard ok == 1 else { fatalError("RAND_bytes failed (OpenSSL error \(ERR_get_error())); refusing to continue without secure randomness") }
        return buffer
    }

    /// A URL- and cookie-safe random token: base64url without padding (32 bytes → 43 characters).
    public static func token(byteCount: Int = 32) -> String {
        Base64URL.encode(bytes(byteCount))
    }

    /// `count` uniformly distributed decimal digits, e.g. a 6-digit PIN. Leading zeros are kept.
    public static func digits(_ count: Int) -> String {
        precondition(count >= 0, "negative digit count")
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            // Rejection sampling: 250 is the largest multiple of 10 that fits in a byte, so
            // bytes 250...255 are discarded instead of making 0–5 slightly more likely (modulo bias).
            for byte in bytes(count - result.count + 4) where byte < 250 && result.count < count {
                result.append(UInt8(ascii: "0") + byte % 10)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
