import Security

/// Derives one independent key per purpose from SECRET_KEY_BASE, so the PIN HMAC key,
/// the flash-signing key and any later key never share material.
public struct KeyGenerator: Sendable {
    private let base: [UInt8]

    public init(secretKeyBase: String) { base = Array(secretKeyBase.utf8) }

    public func key(for purpose: String) -> [UInt8] {
        Digest.hmacSHA256(key: base, message: "twofa key: \(purpose)")
    }
}
