import CCrypt

/// bcrypt password hashing through libxcrypt. New hashes use `$2b$`; verification also
/// accepts `$2a$` (made by Rails' has_secure_password / bcrypt-ruby) and `$2y$` (PHP).
public enum BCrypt {
    /// bcrypt only reads the first 72 bytes. Longer passwords are refused rather than
    /// truncated, so two passwords sharing a 72-byte prefix never hash alike.
    public static let maximumPasswordBytes = 72

    public enum Failure: Error, Equatable {
        case passwordTooLong
        /// A NUL byte would end the C string early and silently shorten the password.
        case passwordContainsNUL
        case invalidCost(Int)
        case hashingFailed
    }

    private static let acceptedPrefixes = ["$2a$", "$2b$", "$2y$"]

    /// A `$2b$` digest with a fresh 16-byte salt. Each cost step doubles the work (cost 12 ≈ 250 ms).
    public static func hash(_ password: String, cost: Int) throws -> String {
        guard (4...31).contains(cost) else { throw Failure.invalidCost(cost) }
        try check(password)
        let salt = SecureRandom.bytes(16)
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = salt.withUnsafeBufferPointer { saltBytes in
            saltBytes.withMemoryRebound(to: CChar.self) { rbytes in
                crypt_gensalt_rn("$2b$", UInt(cost), rbytes.baseAddress, Int32(rbytes.count),
                                 &setting, Int32(setting.count))
            }
        }
        guard made != nil else { throw Failure.hashingFailed }
        let settingString = String(cString: setting)
        guard let digest = crypt(password, setting: settingString), digest.hasPrefix("$2b$") else {
            throw Failure.hashingFailed
        }
        return digest
    }

    /// True only if `digest` is a well-formed bcrypt digest of `password`. Any failure
    /// (malformed or non-bcrypt digest, over-long password) is simply false.
    public static func verify(_ password: String, against digest: String) -> Bool {
        guard cost(of: digest) != nil, (try? check(password)) != nil,
              let computed = crypt(password, setting: digest) else { return false }
        return ConstantTime.equals(Array(computed.utf8), Array(digest.utf8))
    }

    /// The cost factor of a bcrypt digest (`$2b$12$…` → 12), or nil if it is not one.
    /// Useful to re-hash on login when the configured cost has gone up.
    public static func cost(of digest: String) -> Int? {
        // $2b$ + two cost digits + $ + 22 salt + 31 hash characters = 60.
        let chars = Array(digest.utf8)
        guard chars.count == 60, acceptedPrefixes.contains(where: { digest.hasPrefix($0) }),
              chars[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: chars[4..<6], as: UTF8.self)),
              (4...31).contains(cost) else { return nil }
        return cost
    }

    // MARK: Internals

    private static func check(_ password: String) throws {
        if password.utf8.count > maximumPasswordBytes { throw Failure.passwordTooLong }
        if password.utf8.contains(0) { throw Failure.passwordContainsNUL }
    }

    /// crypt_rn with a per-call heap `crypt_data` (about 32 KiB: too big for a worker
    /// thread's stack, and per call so concurrent logins share nothing).
    private static func crypt(_ password: String, setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        let size = MemoryLayout<crypt_data>.size
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: size)
        defer {
            // The buffer held the password and intermediate state: wipe it before freeing.
            UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: size)
            data.deallocate()
        }
        guard let result = crypt_rn(password, setting, UnsafeMutableRawPointer(data), Int32(size)) else { return nil }
        let string = String(cString: result)
        // Some failures are reported as a string starting with "*" instead of NULL.
        return string.hasPrefix("*") ? nil : string
    }
}
