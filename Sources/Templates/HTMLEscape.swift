/// Byte-level HTML escaping. Works on UTF-8 bytes because every special
/// character is ASCII, so multi-byte sequences pass through untouched.
enum HTMLEscape {
    /// Appends `s` to `out`, replacing & < > " ' ` with entities. Copies unescaped
    /// runs in bulk so ordinary text costs one memcpy, not a loop of appends.
    static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let entity: StaticString
                switch bytes[i] {
                case UInt8(ascii: "&"): entity = "&amp;"
                case UInt8(ascii: "<"): entity = "&lt;"
                case UInt8(ascii: ">"): entity = "&gt;"
                case UInt8(ascii: "\""): entity = "&quot;"
                case UInt8(ascii: "'"): entity = "&#39;"
                case UInt8(ascii: "`"): entity = "&#96;"
                default: continue
                }
                if runStart < i {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                }
                entity.withUTF8Buffer { out.append(contentsOf: $0) }
                runStart = i + 1
            }
            if runStart < bytes.count {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            }
        }
    }

    /// Appends `s` unchanged (for `{{ raw … }}`).
    static func appendRaw(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }
}
