import Security

/// OWASP's device cookie ("slow down online guessing attacks with device cookies"): a browser
/// that completed a login (both factors, any way) holds one for that account. It proves only
/// "this browser logged in to this account before" and logs nobody in: at the password (or
/// passwordless code) step it moves the attempt from the account's limits, which strangers can
/// exhaust, to the device's own (`LoginRegulation`). Not `RememberedDevice`, which skips the
/// second factor and is revocable; this one skips nothing.
///
/// Value: `<user id>.<random nonce>.<HMAC>`; the HMAC-SHA256 under `KeyGenerator.key(for: "device")`
/// covers the user id, the nonce and the account's password digest, so it cannot be forged,
/// edited or used for another account, and a password change voids every cookie made before it
/// (someone who once knew the password can't keep a stock of them for later guessing).
/// Stateless: nothing is stored until the device fails an attempt, and then only the nonce's SHA-256.
public enum DeviceCookie {
    /// The one place the name is written (a `__Host-` prefix with secure cookies goes here).
    public static let name = "twofa_device"
    /// A year: it only ever relaxes a ban for its own browser, so a long life costs little.
    public static let lifetime: Int64 = 365 * 24 * 3600

    /// A new cookie value for `userID`.
    public static func make(userID: Int64, passwordDigest: String, keys: KeyGenerator) -> String {
        let nonce = SecureRandom.token(byteCount: 32)
        let mac = signature(userID: userID, nonce: nonce, passwordDigest: passwordDigest, keys: keys)
        return "\(userID).\(nonce).\(Base64URL.encode(mac))"
    }

    /// The device's key (hex SHA-256 of the nonce) when `value` is a genuine cookie for `userID`,
    /// checked in constant time; nil for a forged, altered or other account's cookie.
    public static func device(_ value: String, userID: Int64, passwordDigest: String, keys: KeyGenerator) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, Int64(parts[0]) == userID, !parts[1].isEmpty, let mac = Base64URL.decode(parts[2]),
              ConstantTime.equals(mac, signature(userID: userID, nonce: parts[1], passwordDigest: passwordDigest, keys: keys))
        else { return nil }
        return Hex.encode(Digest.sha256(parts[1]))
    }

    static func signature(userID: Int64, nonce: String, passwordDigest: String, keys: KeyGenerator) -> [UInt8] {
        Digest.hmacSHA256(key: keys.key(for: "device"), message: "\(userID).\(nonce).\(Hex.encode(Digest.sha256(passwordDigest)))")
    }
}
