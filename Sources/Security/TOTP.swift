/// Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1 of the
/// number of `period`-second steps since the Unix epoch, dynamically truncated (RFC 4226 §5.3)
/// to `digits` decimal digits.
///
/// A code is accepted for its own step and one step either side (clock drift between phone and
/// server). `verify` returns the step it matched so the caller can store it and refuse that code,
/// and any older one, next time: a one-time password must be usable only once.
public struct TOTP: Sendable {
    /// 160 bits, the HMAC-SHA1 output size that RFC 4226 §4 recommends.
    public static let secretByteCount = 20
    /// Steps accepted either side of the current one.
    public static let driftSteps: Int64 = 1

    public let secret: [UInt8]
    public let digits: Int
    public let period: Int64

    public init(secret: [UInt8], digits: Int = 6, period: Int64 = 30) {
        precondition((6...8).contains(digits), "TOTP codes have 6 to 8 digits")
        precondition(period > 0, "the time step must be positive")
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// A fresh secret from the CSPRNG.
    public static func generateSecret() -> [UInt8] { SecureRandom.bytes(secretByteCount) }

    /// The time step containing `unixTime` (seconds since 1970-01-01 UTC). Floors, so times
    /// before the epoch give negative steps, which `verify` never accepts.
    public func step(at unixTime: Int64) -> Int64 {
        unixTime >= 0 ? unixTime / period : (unixTime - period + 1) / period
    }

    public func code(at unixTime: Int64) -> String { code(forStep: step(at: unixTime)) }

    public func code(forStep step: Int64) -> String {
        let counter = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: step) >> (56 - 8 * UInt64($0))) }
        let mac = Digest.hmacSHA1(key: secret, message: counter)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset]) & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16
            | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step (current ± `driftSteps`) whose code equals `code`, or nil. Steps at or before
    /// `lastAcceptedStep` are never matched, which refuses a replayed code and any code older
    /// than the last one accepted. Spaces in `code` are ignored ("123 456" as apps show it).
    /// Every candidate is compared in constant time, and all of them are compared.
    public func verify(_ code: String, at unixTime: Int64, lastAcceptedStep: Int64? = nil) -> Int64? {
        let submitted = Array(code.utf8.filter { $0 != UInt8(ascii: " ") })
        guard submitted.count == digits,
              submitted.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let current = step(at: unixTime)
        var matched: Int64?
        for candidate in (current - Self.driftSteps)...(current + Self.driftSteps)
        where candidate >= 0 && !Self.isReplay(step: candidate, lastAcceptedStep: lastAcceptedStep) {
            if ConstantTime.equals(Array(self.code(forStep: candidate).utf8), submitted), matched == nil {
                matched = candidate
            }
        }
        return matched
    }

    /// The replay rule: a code for a step at or before the last accepted one is refused.
    public static func isReplay(step: Int64, lastAcceptedStep: Int64?) -> Bool {
        guard let last = lastAcceptedStep else { return false }
        return step <= last
    }
}
