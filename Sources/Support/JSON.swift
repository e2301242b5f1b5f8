/// Tiny JSON writer for lines whose key order is part of a contract (the SMS outbox).
/// Foundation's JSONSerialization neither keeps order nor runs fast on Linux.
public enum JSON {
    /// A JSON string literal, quotes included, escaping per RFC 8259 (and U+2028/U+2029, which
    /// JavaScript treats as line ends). Works on the UTF-8 bytes, copying runs that need no
    /// escape whole: it is on every API answer and outbox line.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `quote(s)`'s bytes, appended to `out`.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            var runStart = 0, i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") && b != 0xE2 { i += 1; continue }
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; any other E2 sequence is plain text.
                if b == 0xE2 && !(i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9)) {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                if b == 0xE2 {
                    out.append(contentsOf: bytes[i + 2] == 0xA8 ? Array("\\u2028".utf8) : Array("\\u2029".utf8))
                    i += 3
                } else {
                    switch b {
                    case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                    case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    default:   // other control characters: \u00XX, lowercase hex
                        let hex = Array("0123456789abcdef".utf8)
                        out.append(contentsOf: Array("\\u00".utf8))
                        out.append(hex[Int(b >> 4)])
                        out.append(hex[Int(b & 0xF)])
                    }
                    i += 1
                }
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            out.append(UInt8(ascii: "\""))
        }
    }


    /// `{"k1":"v1","k2":"v2"}` with the keys in the order given.
    public static func object(_ pairs: [(String, String)]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(pairs.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 6 })
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(pair.0, to: &out)
            out.append(UInt8(ascii: ":"))
            appendQuoted(pair.1, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
