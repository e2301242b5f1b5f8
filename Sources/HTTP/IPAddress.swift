import Glibc

/// An IPv4 or IPv6 address, parsed with `inet_pton` and printed with `inet_ntop`, so each
/// address has one spelling (IPv6 lower-case, zeros compressed). An IPv4-mapped IPv6 address
/// (`::ffff:1.2.3.4`, what a dual-stack socket reports) is the IPv4 address it carries: one
/// client must not count as two in bans and throttles.
///
/// Kept as 128 bits, IPv4 in its mapped form, so CIDR matching is two masked compares.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64
    public let isIPv4: Bool

    /// The longest text `inet_pton` could take ("ffff:…:255.255.255.255" is 45 characters).
    static let maxTextLength = 45

    init(high: UInt64, low: UInt64, isIPv4: Bool) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
    }

    /// Nil for anything that is not a plain address: no ports, brackets, zones or spaces.
    public init?(_ text: some StringProtocol) {
        let count = text.utf8.count
        guard count > 0, count <= Self.maxTextLength else { return nil }
        // Only what an address is made of: C would stop at a NUL, and reject the rest anyway.
        guard text.utf8.allSatisfy({ Self.isAddressByte($0) }) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 16)
        let c = String(text)
        if c.utf8.contains(UInt8(ascii: ":")) {
            guard inet_pton(AF_INET6, c, &buffer) == 1 else { return nil }
            let high = Self.word(buffer, 0), low = Self.word(buffer, 8)
            self.init(high: high, low: low, isIPv4: high == 0 && low >> 32 == 0xffff)
        } else {
            guard inet_pton(AF_INET, c, &buffer) == 1 else { return nil }
            self.init(high: 0, low: 0xffff_0000_0000 | (Self.word(buffer, 0) >> 32), isIPv4: true)
        }
    }

    private static func isAddressByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x3A) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) || b == UInt8(ascii: ".")
    }

    private static func word(_ bytes: [UInt8], _ start: Int) -> UInt64 {
        bytes[start..<(start + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        let all = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        return isIPv4 ? Array(all[12...]) : all
    }

    public var description: String {
        var raw = bytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(isIPv4 ? AF_INET : AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return "unknown" }
        return String(cString: text)
    }

    /// For logs, which must not identify a person: `203.0.113.x`, and for IPv6 the first three
    /// groups (a site's /48) as `2001:db8:85a3::x`.
    public var masked: String {
        if isIPv4 {
            let b = bytes
            return "\(b[0]).\(b[1]).\(b[2]).x"
        }
        let groups = (0..<3).map { String(UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)), radix: 16) }
        return groups.joined(separator: ":") + "::x"
    }
}
