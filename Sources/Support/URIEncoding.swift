/// RFC 3986 percent-encoding: every UTF-8 byte outside the unreserved set
/// (`A–Z a–z 0–9 - . _ ~`) becomes `%XX`. Used for provider form bodies (so the `+` of
/// `+447700900000` arrives as a plus) and for otpauth:// labels (so a `:` can't split one).
public enum URIEncoding {
    public static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
    }

    public static func escaped(_ s: String) -> String {
        var out: [UInt8] = []
        appendEscaped(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hex = Array("0123456789ABCDEF".utf8)
}
