import Foundation

/// A `Set-Cookie` value. Defaults are the safe ones: HttpOnly, SameSite=Lax, Path=/.
///
/// The name and value are written as given: callers must keep them to cookie-safe
/// characters (no `;`, `,`, spaces, quotes or control characters); encode values
/// (e.g. base64url) if in doubt. Characters that would break the header are dropped.
public struct Cookie: Sendable {
    public enum SameSite: String, Sendable {
        case strict = "Strict"
        case lax = "Lax"
        case none = "None"
    }

    public var name: String
    public var value: String
    public var path: String
    public var maxAge: Int?
    public var expires: Date?
    public var httpOnly: Bool
    public var secure: Bool
    public var sameSite: SameSite?

    public init(
        name: String, value: String, path: String = "/", maxAge: Int? = nil, expires: Date? = nil,
        httpOnly: Bool = true, secure: Bool = false, sameSite: SameSite? = .lax
    ) {
        self.name = name
        self.value = value
        self.path = path
        self.maxAge = maxAge
        self.expires = expires
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
    }

    public var headerValue: String {
        var s = Self.clean(name)
        s.reserveCapacity(name.utf8.count + value.utf8.count + 64)
        s += "="
        s += Self.clean(value)
        if !path.isEmpty { s += "; Path="; s += Self.clean(path) }
        if let maxAge { s += "; Max-Age="; s += String(maxAge) }
        if let expires { s += "; Expires="; s += HTTPDate.format(expires) }
        if httpOnly { s += "; HttpOnly" }
        if secure { s += "; Secure" }
        if let sameSite { s += "; SameSite="; s += sameSite.rawValue }
        return s
    }

    /// Removes what would end the value early or inject attributes/headers.
    private static func clean(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") })
        else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.filter {
            $0.value > 0x20 && $0.value != 0x7F && $0 != ";" && $0 != ","
        }))
    }
}
