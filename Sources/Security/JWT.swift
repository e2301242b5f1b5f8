/// JSON Web Tokens (RFC 7519) in compact form, signed with RS256 (RFC 7518 §3.3).
/// The caller writes the claims JSON; this type only encodes and signs it.
public enum JWT {
    static let rs256Header = #"{"alg":"RS256","typ":"JWT"}"#

    /// `base64url(header).base64url(claims).base64url(signature)`.
    public static func rs256(claimsJSON: String, signer: RS256Signer) throws -> String {
        let signingInput = Base64URL.encode(Array(rs256Header.utf8)) + "." + Base64URL.encode(Array(claimsJSON.utf8))
        let signature = try signer.sign(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    static let hs256Header = #"{"alg":"HS256","typ":"JWT"}"#

    /// The same, signed with HMAC-SHA256 (RFC 7518 §3.2): how Vonage signs its callbacks with
    /// an account's signature secret.
    public static func hs256(claimsJSON: String, key: [UInt8]) -> String {
        let signingInput = Base64URL.encode(Array(hs256Header.utf8)) + "." + Base64URL.encode(Array(claimsJSON.utf8))
        return signingInput + "." + Base64URL.encode(Digest.hmacSHA256(key: key, message: Array(signingInput.utf8)))
    }
}
