/// A block of addresses, `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one
/// (/32 or /128). Host bits after the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
/// An IPv4 block matches IPv4 addresses only and an IPv6 block IPv6 ones (IPv4-mapped
/// addresses are IPv4, see `IPAddress`), so `::/0` is every IPv6 address but no IPv4 one.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    /// Bits of the prefix in the address's own family: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int
    private let maskHigh: UInt64
    private let maskLow: UInt64

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        var length = address.isIPv4 ? 32 : 128
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  var n = Int(digits) else { return nil }
            // `::ffff:10.0.0.0/104` counts in IPv6 bits: the same block as `10.0.0.0/8`.
            if address.isIPv4 && parts[0].contains(":") {
                guard n >= 96 else { return nil }
                n -= 96
            }
            guard n <= length else { return nil }
            length = n
        }
        self.init(address, prefixLength: length)
    }

    public init(_ address: IPAddress, prefixLength: Int) {
        precondition(prefixLength >= 0 && prefixLength <= (address.isIPv4 ? 32 : 128), "prefix length out of range")
        self.prefixLength = prefixLength
        // Counted over the 128-bit form, where an IPv4 address sits in the last 32 bits.
        let bits = address.isIPv4 ? prefixLength + 96 : prefixLength
        maskHigh = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << UInt64(64 - bits))
        maskLow = bits <= 64 ? 0 : (bits == 128 ? ~0 : ~0 << UInt64(128 - bits))
        network = IPAddress(high: address.high & maskHigh, low: address.low & maskLow, isIPv4: address.isIPv4)
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.isIPv4 == network.isIPv4
            && address.high & maskHigh == network.high && address.low & maskLow == network.low
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
