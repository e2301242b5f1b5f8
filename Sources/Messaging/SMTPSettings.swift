import Foundation

/// Where and how the SMTP gateway delivers, from `SMTP_URL`:
/// - `smtp://user:pass@host:587`: STARTTLS, required (a server that does not offer it is
///   refused, so a man in the middle can't strip it);
/// - `smtps://user:pass@host:465`: TLS from the first byte (implicit TLS, RFC 8314);
/// - `smtp://host:25?tls=none`: no TLS at all, for a relay on the same machine or a test server.
/// User and password are optional (no AUTH without them) and percent-decoded.
/// `description` never shows the password.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Security: String, Sendable { case starttls, implicitTLS = "tls", none }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String
    public var security: Security
    /// Envelope sender and `From:` address (SMTP_FROM).
    public var from: String
    /// The `From:` display name (the brand).
    public var fromName: String
    /// PEM file of certificates to trust instead of the system's (SMTP_CA_FILE; "" = system store).
    public var caFile = ""

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(host: String, port: Int, username: String = "", password: String = "", security: Security,
                from: String, fromName: String = "", caFile: String = "") {
        self.host = host; self.port = port; self.username = username; self.password = password
        self.security = security; self.from = from; self.fromName = fromName; self.caFile = caFile
    }

    /// Parses an `SMTP_URL`; `from` is the sender address (SMTP_FROM).
    public static func parse(url text: String, from: String, fromName: String = "") throws -> SMTPSettings {
        // The URL's own text is never repeated in errors: it may hold the password.
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw Invalid(description: "SMTP_URL is not a URL (expected smtp://user:pass@host:587 or smtps://user:pass@host:465)")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "SMTP_URL has no host") }
        var security: Security
        switch scheme {
        case "smtp": security = .starttls
        case "smtps": security = .implicitTLS
        default: throw Invalid(description: "SMTP_URL must start with smtp:// or smtps:// (got \(scheme)://)")
        }
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("tls", "none") where scheme == "smtp": security = .none
            case ("tls", "starttls") where scheme == "smtp": security = .starttls
            default: throw Invalid(description: "SMTP_URL: unknown option \(item.name) (smtp:// knows only ?tls=none or ?tls=starttls)")
            }
        }
        let port = components.port ?? (security == .implicitTLS ? 465 : 587)
        guard (1...65535).contains(port) else { throw Invalid(description: "SMTP_URL: port must be 1–65535") }
        let username = components.percentEncodedUser?.removingPercentEncoding ?? ""
        let password = components.percentEncodedPassword?.removingPercentEncoding ?? ""
        if username.isEmpty != password.isEmpty {
            throw Invalid(description: "SMTP_URL: give both a user and a password, or neither")
        }
        for value in [username, password] where value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Invalid(description: "SMTP_URL: user and password must not hold control characters")
        }
        if let problem = EmailAddress.problem(from) {
            throw Invalid(description: "SMTP_FROM must be an e-mail address (\(problem))")
        }
        return SMTPSettings(host: host, port: port, username: username, password: password, security: security,
                            from: from, fromName: fromName)
    }

    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.isEmpty ? "" : "\(username):•••@"
        return "\(scheme)://\(user)\(host):\(port)" + (security == .none ? "?tls=none" : "")
    }
}
