import Security

/// A one-shot message for the next page ("You have logged out."), carried in a signed
/// cookie so it survives a redirect even when there is no session any more.
public struct Flash: Sendable, Equatable {
    public enum Kind: String, Sendable { case notice, alert }

    public let kind: Kind
    public let message: String

    static let cookieName = "twofa_flash"

    /// `base64url(kind \u{1F} message) . base64url(HMAC)`: the signature stops anyone
    /// from planting text in our pages through the cookie.
    func cookieValue(key: [UInt8]) -> String {
        let payload = Base64URL.encode(Array("\(kind.rawValue)\u{1F}\(message)".utf8))
        return payload + "." + Base64URL.encode(Digest.hmacSHA256(key: key, message: payload))
    }

    init(kind: Kind, message: String) { self.kind = kind; self.message = message }

    init?(cookieValue: String, key: [UInt8]) {
        let parts = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = Base64URL.decode(String(parts[1])),
              ConstantTime.equals(signature, Digest.hmacSHA256(key: key, message: String(parts[0]))),
              let bytes = Base64URL.decode(String(parts[0])),
              let text = String(bytes: bytes, encoding: .utf8),
              let separator = text.firstIndex(of: "\u{1F}"),
              let kind = Kind(rawValue: String(text[..<separator])) else { return nil }
        self.kind = kind
        self.message = String(text[text.index(after: separator)...])
    }
}
