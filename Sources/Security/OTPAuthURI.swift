import Support

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

    static func percentEncode(_ string: String) -> String { URIEncoding.escaped(string) }
}
