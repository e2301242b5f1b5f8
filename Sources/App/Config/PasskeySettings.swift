import Foundation
import HTTP
import Security

/// The passkey settings (issue 17), parsed and checked once at start.
///   WEBAUTHN_ORIGINS  comma-separated origins the browser may run a ceremony from
///                     (default http://localhost:3000 outside production; in production
///                     passkeys stay off until it is set)
///   WEBAUTHN_RP_ID    the RP ID passkeys are bound to (default: the host of the first origin)
///   PASSKEY_LOGIN     on: "Sign in with a passkey" and autofill on the login page (default off)
///   PASSKEY_CLONE_POLICY  warn (default) or refuse: a sign counter that failed to increase
public struct PasskeySettings: Sendable {
    public enum ClonePolicy: String, Sendable { case warn, refuse }

    public static let developmentOrigin = "http://localhost:3000"

    public var login = false
    /// Empty: passkeys are off (production without WEBAUTHN_ORIGINS).
    public var origins: [String] = [PasskeySettings.developmentOrigin]
    public var rpID = "localhost"
    public var clonePolicy = ClonePolicy.warn

    public var enabled: Bool { !origins.isEmpty }

    public var relyingParty: RelyingParty { RelyingParty(id: rpID, origins: origins) }

    public init() {}

    static func parse(login: Bool, origins originsText: String, rpID rpIDText: String, clonePolicy policyText: String,
                      environment: AppConfig.Environment) throws -> PasskeySettings {
        var settings = PasskeySettings()
        guard let policy = ClonePolicy(rawValue: policyText.lowercased()) else {
            throw ConfigError("PASSKEY_CLONE_POLICY / \"passkey_clone_policy\" must be warn or refuse (got \"\(policyText)\")")
        }
        settings.clonePolicy = policy
        let trimmed = originsText.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            settings.origins = environment == .production ? [] : [developmentOrigin]
        } else {
            settings.origins = try trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
                try origin(String($0).trimmingCharacters(in: .whitespaces))
            }
        }
        if login, settings.origins.isEmpty {
            throw ConfigError("PASSKEY_LOGIN=on needs WEBAUTHN_ORIGINS in production (the https origin users open, e.g. https://login.example.com)")
        }
        settings.login = login
        guard let first = settings.origins.first else { settings.rpID = ""; return settings }
        let rpID = rpIDText.trimmingCharacters(in: .whitespaces).lowercased()
        settings.rpID = rpID.isEmpty ? host(of: first) : rpID
        // Browsers refuse an IP address as RP ID, and an RP ID must be each origin's host or a
        // parent domain of it (WebAuthn §5.1.3 / HTML "is a registrable domain suffix").
        if IPAddress(settings.rpID) != nil || settings.rpID.hasPrefix("[") {
            throw ConfigError("WEBAUTHN_RP_ID \"\(settings.rpID)\" is an IP address, which browsers refuse: use a host name (http://localhost:3000 in development)")
        }
        for origin in settings.origins {
            let host = host(of: origin)
            guard host == settings.rpID || host.hasSuffix("." + settings.rpID) else {
                throw ConfigError("WEBAUTHN_ORIGINS: \(origin) is not on \(settings.rpID) (WEBAUTHN_RP_ID must be the origins' host or a parent domain)")
            }
        }
        return settings
    }

    /// `https://host[:port]` (or `http://` for localhost, the one plain-HTTP secure context).
    private static func origin(_ text: String) throws -> String {
        let lower = text.lowercased()
        guard let url = URL(string: lower), let scheme = url.scheme, let host = url.host, !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil, url.user == nil,
              scheme == "https" || scheme == "http" else {
            throw ConfigError("WEBAUTHN_ORIGINS: \"\(text)\" is not an origin like https://login.example.com (scheme, host, optional port; no path)")
        }
        if IPAddress(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))) != nil {
            throw ConfigError("WEBAUTHN_ORIGINS: \"\(text)\" is at an IP address, which browsers refuse for passkeys: use a host name (http://localhost:3000 in development)")
        }
        if scheme == "http", host != "localhost", !host.hasSuffix(".localhost") {
            throw ConfigError("WEBAUTHN_ORIGINS: \"\(text)\" is plain HTTP; browsers only run passkeys over https (or at http://localhost)")
        }
        // As the browser serialises it into clientDataJSON (HTML "ASCII serialization of an
        // origin"): no trailing slash, and no port when it is the scheme's default.
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }

    private static func host(of origin: String) -> String { URL(string: origin)?.host ?? "" }
}
