import Security

/// A one-shot message for the next page ("You have logged out."), carried in a signed
/// cookie so it survives a redirect even when there is no session any more.
public struct Flash: Sendable, Equatable {
    public enum Kind: String, Sendable { case notice, alert }

    public let kind: Kind
    public let message: String
    /// A page of ours the message points to, shown after it as a link (issue 14: "change your
    /// number now" after a recovery-code login). Only a local path, never a URL from input.
    public let link: Link?

    public struct Link: Sendable, Equatable {
        public let path: String
        public let label: String
    }

    static let cookieName = "twofa_flash"

    /// `base64url(kind \u{1F} message [\u{1E} path \u{1F} label]) . base64url(HMAC)`: the
    /// signature stops anyone from planting text in our pages through the cookie.
    func cookieValue(key: [UInt8]) -> String {
        let linked = link.map { "\u{1E}\($0.path)\u{1F}\($0.label)" } ?? ""
        let payload = Base64URL.encode(Array("\(kind.rawValue)\u{1F}\(message)\(linked)".utf8))
        return payload + "." + Base64URL.encode(Digest.hmacSHA256(key: key, message: payload))
    }

    init(kind: Kind, message: String, link: Link? = nil) {
        self.kind = kind; self.message = message
        self.link = link.flatMap { $0.path.hasPrefix("/") && !$0.path.hasPrefix("//") ? $0 : nil }
    }

    init?(cookieValue: String, key: [UInt8]) {
        let parts = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = Base64URL.decode(String(parts[1])),
              ConstantTime.equals(signature, Digest.hmacSHA256(key: key, message: String(parts[0]))),
              let bytes = Base64URL.decode(String(parts[0])),
              let text = String(bytes: bytes, encoding: .utf8),
              let separator = text.firstIndex(of: "\u{1F}"),
              let kind = Kind(rawValue: String(text[..<separator])) else { return nil }
        self.kind = kind
        let rest = text[text.index(after: separator)...]
        if let mark = rest.firstIndex(of: "\u{1E}") {
            message = String(rest[..<mark])
            let parts = rest[rest.index(after: mark)...].split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            link = parts.count == 2 ? Link(path: String(parts[0]), label: String(parts[1])) : nil
        } else {
            message = String(rest)
            link = nil
        }
    }
}
