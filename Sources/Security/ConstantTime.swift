import COpenSSL

/// Comparison whose running time does not depend on where the inputs differ, so an
/// attacker cannot learn a secret (token, hash) byte by byte from response times.
public enum ConstantTime {
    /// Different lengths return false at once: the length of a token or digest is not secret.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0
            }
        }
    }
}
