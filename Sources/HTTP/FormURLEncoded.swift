/// `application/x-www-form-urlencoded` bodies and query strings, as browsers produce them.
public enum FormURLEncoded {
    /// Pairs in order. `+` is a space, `%XX` is a byte, a field without `=` has value "",
    /// empty fields (`a=1&&b=2`) are skipped. A malformed escape or invalid UTF-8 makes
    /// the whole input invalid (nil) rather than silently altered.
    public static func parse(_ bytes: [UInt8]) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for field in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let nameBytes: ArraySlice<UInt8>
            let valueBytes: ArraySlice<UInt8>
            if let eq = field.firstIndex(of: UInt8(ascii: "=")) {
                nameBytes = field[field.startIndex..<eq]
                valueBytes = field[(eq + 1)...]
            } else {
                nameBytes = field
                valueBytes = []
            }
            guard let name = PercentEncoding.decode(nameBytes, plusAsSpace: true).flatMap(PercentEncoding.utf8String),
                  let value = PercentEncoding.decode(valueBytes, plusAsSpace: true).flatMap(PercentEncoding.utf8String)
            else { return nil }
            pairs.append((name, value))
        }
        return pairs
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
