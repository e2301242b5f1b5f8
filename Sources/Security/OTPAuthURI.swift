/// The `otpauth://` provisioning URI that authenticator apps scan from a QR code
/// (Google Authenticator's Key URI format), e.g.
/// `otpauth://totp/twofa:alice%40example.com?secret=…&issuer=twofa&algorithm=SHA1&digits=6&period=30`.
public enum OTPAuthURI {
    /// `issuer` names this service in the app; `account` tells the user's entries apart.
    /// Both are percent-encoded as UTF-8, everything but RFC 3986's unreserved characters
    /// (so a `:` inside either cannot be confused with the label's separator).
    public static func totp(_ totp: TOTP, issuer: String, account: String) -> String {
        let label = percentEncode(issuer) + ":" + percentEncode(account)
        return "otpauth://totp/\(label)?secret=\(Base32.encode(totp.secret))&issuer=\(percentEncode(issuer))"
            + "&algorithm=SHA1&digits=\(totp.digits)&period=\(totp.period)"
    }

    static func percentEncode(_ string: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
