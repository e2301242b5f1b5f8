import Support

/// `application/x-www-form-urlencoded` bodies for provider APIs. Everything outside the
/// RFC 3986 unreserved set is percent-encoded, so `+` in `+447700900000` arrives as a plus.
enum FormBody {
    static let contentType = "application/x-www-form-urlencoded"

    static func encode(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            URIEncoding.appendEscaped(name, to: &out)
            out.append(UInt8(ascii: "="))
            URIEncoding.appendEscaped(value, to: &out)
        }
        return out
    }
}
