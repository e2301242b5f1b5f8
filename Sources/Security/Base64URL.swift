/// Base64 with the URL-safe alphabet (`-` and `_`) and no `=` padding (RFC 4648 §5),
/// so tokens go into URLs, cookies and form fields without escaping.
public enum Base64URL {
    /// A StaticString: constant data, so encoding checks no lazily built global per call.
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Value of each byte in the alphabet, 0xFF for bytes outside it: an array, not a
    /// dictionary, because every form post decodes its CSRF token (no hashing per character).
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        alphabet.withUTF8Buffer { for (i, c) in $0.enumerated() { table[Int(c)] = UInt8(i) } }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        let letter = alphabet.utf8Start
        let count = bytes.count
        return String(unsafeUninitializedCapacity: (count * 4 + 2) / 3) { out in
            var at = 0, i = 0
            while i < count {
                let b0 = bytes[i]
                let b1 = i + 1 < count ? bytes[i + 1] : 0
                let b2 = i + 2 < count ? bytes[i + 2] : 0
                out[at] = letter[Int(b0 >> 2)]
                out[at + 1] = letter[Int((b0 & 0x03) << 4 | b1 >> 4)]
                at += 2
                if i + 1 < count { out[at] = letter[Int((b1 & 0x0F) << 2 | b2 >> 6)]; at += 1 }
                if i + 2 < count { out[at] = letter[Int(b2 & 0x3F)]; at += 1 }
                i += 3
            }
            return at
        }
    }

    /// Strict: nil for padding, characters outside the alphabet, an impossible length,
    /// or leftover bits that are not zero (so each byte string has exactly one encoding).
    public static func decode(_ string: String) -> [UInt8]? {
        let chars = Array(string.utf8)
        guard chars.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        let reverse = Self.reverse
        for c in chars {
            let v = reverse[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        guard buffer == 0 else { return nil }
        return out
    }
}
