/// Lowercase hexadecimal, e.g. for storing digests in text columns.
public enum Hex {
    /// A StaticString: constant data, so encoding checks no lazily built global per call.
    private static let alphabet: StaticString = "0123456789abcdef"

    public static func encode(_ bytes: [UInt8]) -> String {
        let digit = alphabet.utf8Start
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, byte) in bytes.enumerated() {
                out[2 * i] = digit[Int(byte >> 4)]
                out[2 * i + 1] = digit[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// Accepts upper or lower case; nil for an odd length or any non-hex character.
    public static func decode(_ string: String) -> [UInt8]? {
        let chars = Array(string.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
