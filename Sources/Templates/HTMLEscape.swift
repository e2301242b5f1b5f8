/// Byte-level HTML escaping. Works on UTF-8 bytes because every special
/// character is ASCII, so multi-byte sequences pass through untouched.
enum HTMLEscape {
    /// Appends `s` to `out`, replacing & < > " ' ` with entities. Copies unescaped
    /// runs in bulk so ordinary text costs one memcpy, not a loop of appends.
    static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            // Most values (names, tokens, numbers) need no entity: find the first byte that
            // does with a table lookup per byte, and copy everything before it in one go.
            var runStart = 0
            var i = 0
            let count = bytes.count
            while i < count {
                guard isSpecial(bytes[i]) else {
                    i += 1
                    continue
                }
                if runStart < i {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                }
                entity(for: bytes[i]).withUTF8Buffer { out.append(contentsOf: $0) }
                i += 1
                runStart = i
            }
            if runStart < count {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
            }
        }
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
