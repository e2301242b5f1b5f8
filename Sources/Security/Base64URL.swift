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

    /// Three bytes at a time into four letters, through pointers: a page's CSRF token (64 bytes)
    /// is encoded on every page view, and indexing the array and the buffer byte by byte,
    /// each index checked, was more than a third of the token's cost.
    public static func encode(_ bytes: [UInt8]) -> String {
        let count = bytes.count
        return bytes.withUnsafeBufferPointer { input in
            String(unsafeUninitializedCapacity: (count * 4 + 2) / 3) { out in
                let letter = alphabet.utf8Start
                func put(_ group: UInt32, _ shift: UInt32, at index: Int) {
                    out[index] = letter[Int(group >> shift & 0x3F)]
                }
                var at = 0, i = 0
                while count - i >= 3 {
                    let group = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    put(group, 18, at: at); put(group, 12, at: at + 1); put(group, 6, at: at + 2); put(group, 0, at: at + 3)
                    at += 4
                    i += 3
                }
                // One byte left gives two letters, two give three (no padding).
                if i < count {
                    let second = i + 1 < count ? UInt32(input[i + 1]) : 0
                    let group = UInt32(input[i]) << 16 | second << 8
                    put(group, 18, at: at); put(group, 12, at: at + 1)
                    at += 2
                    if i + 1 < count { put(group, 6, at: at); at += 1 }
                }
                return at
            }
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
