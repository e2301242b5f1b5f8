import Support

/// Byte-level HTML escaping. Works on UTF-8 bytes because every special
/// character is ASCII, so multi-byte sequences pass through untouched.
enum HTMLEscape {
    /// Appends `s` to `out`, replacing & < > " ' ` with entities. Copies unescaped
    /// runs in bulk so ordinary text costs one memcpy, not a loop of appends.
    static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            // Most values (names, tokens, numbers) need no entity: skip eight bytes at a time
            // while a word holds none of the special bytes, then look byte by byte, and copy
            // everything between two specials in one go.
            var runStart = 0
            var i = 0
            let count = bytes.count
            while i < count {
                if i + 8 <= count, !mayHoldSpecial(ByteWord.load(base + i)) {
                    i += 8
                    continue
                }
                guard isSpecial(base[i]) else {
                    i += 1
                    continue
                }
                if runStart < i {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                }
                entity(for: base[i]).withUTF8Buffer { out.append(contentsOf: $0) }
                i += 1
                runStart = i
            }
            if runStart < count {
                out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
            }
        }
    }

    /// Whether any of the eight bytes in `word` may be special (never false when one is):
    /// & and ' differ only in bit 0, < and > only in bit 1, so four tests cover all six.
    @inline(__always)
    static func mayHoldSpecial(_ word: UInt64) -> Bool {
        ByteWord.bytes(of: word | ByteWord.repeating(0x01), equalTo: 0x27)     // & (0x26), ' (0x27)
            | ByteWord.bytes(of: word | ByteWord.repeating(0x02), equalTo: 0x3E)  // < (0x3C), > (0x3E)
            | ByteWord.bytes(of: word, equalTo: 0x22)                            // "
            | ByteWord.bytes(of: word, equalTo: 0x60) != 0                       // `
    }

    /// Which bytes get an entity: & < > " ' `, as one bit per byte in two constants (a
    /// table would be a lazily built global, checked on every call).
    @inline(__always)
    static func isSpecial(_ b: UInt8) -> Bool {
        if b < 64 { return (0x5000_00C4_0000_0000 as UInt64) >> b & 1 == 1 }
        return b == UInt8(ascii: "`")
    }

    private static func entity(for byte: UInt8) -> StaticString {
        switch byte {
        case UInt8(ascii: "&"): return "&amp;"
        case UInt8(ascii: "<"): return "&lt;"
        case UInt8(ascii: ">"): return "&gt;"
        case UInt8(ascii: "\""): return "&quot;"
        case UInt8(ascii: "'"): return "&#39;"
        default: return "&#96;"   // the backquote, the only other special byte
        }
    }

    /// Appends `s` unchanged (for `{{ raw … }}`).
    static func appendRaw(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }
}
