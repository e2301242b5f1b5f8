/// Rails-style CSRF tokens: each token is a fresh random pad followed by the session's
/// secret XORed with that pad. Every page gets a different token (so compression
/// side channels such as BREACH cannot recover the secret), yet any of them validates.
public struct CSRFToken {
    /// The size of the per-session secret the app should store (`SecureRandom.bytes(32)`).
    public static let secretByteCount = 32

    /// An empty secret gives an empty token, which never validates (rather than crashing a request).
    public static func generate(sessionSecret: [UInt8]) -> String {
        guard !sessionSecret.isEmpty else { return "" }
        // pad ‖ (pad XOR secret), built in one buffer: this runs on every page with a form.
        let n = sessionSecret.count
        let token = [UInt8](unsafeUninitializedCapacity: 2 * n) { buffer, count in
            SecureRandom.fill(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[..<n]))
            for i in 0..<n { buffer[n + i] = buffer[i] ^ sessionSecret[i] }
            count = 2 * n
        }
        return Base64URL.encode(token)
    }

    /// Decodes, unmasks and compares in constant time. Malformed input is just invalid.
    public static func isValid(_ token: String, sessionSecret: [UInt8]) -> Bool {
        guard !sessionSecret.isEmpty,
              token.utf8.count <= 4 * sessionSecret.count,     // don't decode megabytes of junk
              let raw = Base64URL.decode(token),
              raw.count == 2 * sessionSecret.count else { return false }
        let pad = Array(raw[..<sessionSecret.count])
        let masked = Array(raw[sessionSecret.count...])
        return ConstantTime.equals(xor(pad, masked), sessionSecret)
    }

    private static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }
}
