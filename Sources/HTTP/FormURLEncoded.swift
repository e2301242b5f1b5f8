/// `application/x-www-form-urlencoded` bodies and query strings, as browsers produce them.
public enum FormURLEncoded {
    /// Pairs in order. `+` is a space, `%XX` is a byte, a field without `=` has value "",
    /// empty fields (`a=1&&b=2`) are skipped. A malformed escape or invalid UTF-8 makes
    /// the whole input invalid (nil) rather than silently altered.
    public static func parse(_ bytes: [UInt8]) -> [(String, String)]? {
        bytes.withUnsafeBufferPointer { input -> [(String, String)]? in
            var pairs: [(String, String)] = []
            var start = 0
            while start <= input.count {
                var end = start
                while end < input.count && input[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {   // empty fields are skipped
                    var eq = start
                    while eq < end && input[eq] != UInt8(ascii: "=") { eq += 1 }
                    guard let name = field(UnsafeBufferPointer(rebasing: input[start..<eq])),
                          let value = field(eq < end ? UnsafeBufferPointer(rebasing: input[(eq + 1)..<end]) : UnsafeBufferPointer(rebasing: input[end..<end]))
                    else { return nil }
                    pairs.append((name, value))
                }
                start = end + 1
            }
            return pairs
        }
    }

    /// One name or value: plain ASCII (the usual case) becomes a String as it is; anything with
    /// an escape, a `+` or a byte over 0x7F goes through strict decoding.
    private static func field(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var plain = true
        for b in bytes where b >= 0x80 || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") {
            plain = false
            break
        }
        if plain { return String(decoding: bytes, as: UTF8.self) }
        return PercentEncoding.decode(bytes, plusAsSpace: true).flatMap(PercentEncoding.utf8String)
    }

    public static func parse(_ string: String) -> [(String, String)]? {
        parse(Array(string.utf8))
    }

    /// `name=value&...` with everything but `A-Z a-z 0-9 * - . _` escaped and spaces as `+`
    /// (the WHATWG urlencoded serializer).
    public static func encode(_ pairs: [(String, String)]) -> String {
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            escape(pair.0, into: &out)
            out.append(UInt8(ascii: "="))
            escape(pair.1, into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func escape(_ s: String, into out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(b)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0F)])
            }
        }
    }
}
