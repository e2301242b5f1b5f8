/// Base32 (RFC 4648 §6), the encoding authenticator apps expect for TOTP secrets.
/// Output is upper case without `=` padding (what otpauth URIs use); input is lenient because
/// people type secrets by hand: case, spaces, hyphens and padding are ignored.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    private static let reverse: [UInt8: UInt8] = {
        var table: [UInt8: UInt8] = [:]
        for (i, c) in alphabet.enumerated() {
            table[c] = UInt8(i)
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { table[c + 32] = UInt8(i) }  // lower case
        }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil for characters outside the alphabet or a length no byte string encodes to
    /// (1, 3 or 6 characters past a multiple of 8). Leftover low bits are ignored.
    public static func decode(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var count = 0
        for c in string.utf8 {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "=") { continue }
            guard let v = reverse[c] else { return nil }
            count += 1
            buffer = buffer << 5 | UInt32(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        guard ![1, 3, 6].contains(count % 8) else { return nil }
        return out
    }
}
