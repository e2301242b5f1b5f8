import Foundation

/// Provider credentials and endpoints. They come from the environment only, never from
/// config/*.json, so no secret is ever committed. `description` never shows a secret.
public struct GatewayCredentials: Sendable, CustomStringConvertible {
    public var twilioAccountSID: String
    public var twilioAuthToken: String
    /// E.164 number, or a Messaging Service SID (`MG…`, texts only).
    public var twilioFrom: String
    public var twilioBaseURL: String
    public var vonageAPIKey: String
    public var vonageAPISecret: String
    /// Number (E.164) or alphanumeric sender id; calls need a number.
    public var vonageFrom: String
    public var vonageApplicationID: String
    public var vonagePrivateKeyPath: String
    public var vonageRESTBaseURL: String
    public var vonageAPIBaseURL: String

    init(environment env: [String: String], root: String) {
        func value(_ name: String) -> String { env[name]?.trimmingCharacters(in: .whitespaces) ?? "" }
        twilioAccountSID = value("TWILIO_ACCOUNT_SID")
        twilioAuthToken = value("TWILIO_AUTH_TOKEN")
        twilioFrom = value("TWILIO_FROM")
        twilioBaseURL = value("TWILIO_BASE_URL")
        vonageAPIKey = value("VONAGE_API_KEY")
        vonageAPISecret = value("VONAGE_API_SECRET")
        vonageFrom = value("VONAGE_FROM")
        vonageApplicationID = value("VONAGE_APPLICATION_ID")
        let keyPath = value("VONAGE_PRIVATE_KEY_PATH")
        vonagePrivateKeyPath = keyPath.isEmpty || keyPath.hasPrefix("/") ? keyPath : "\(root)/\(keyPath)"
        vonageRESTBaseURL = value("VONAGE_REST_BASE_URL")
        vonageAPIBaseURL = value("VONAGE_API_BASE_URL")
    }

    public var description: String {
        "GatewayCredentials(twilio: \(twilioAuthToken.isEmpty ? "unset" : "set"), "
            + "vonage: \(vonageAPISecret.isEmpty && vonagePrivateKeyPath.isEmpty ? "unset" : "set"))"
    }

    /// Stops start-up when the chosen gateway for `channel` lacks what it needs, naming
    /// every missing variable at once.
    func check(gateway: GatewayKind, channel: GatewayKind.Channel, production: Bool) throws {
        let setting = channel.rawValue
        var missing: [String] = []
        func need(_ value: String, _ name: String) { if value.isEmpty { missing.append(name) } }
        switch gateway {
        case .outbox:
            return
        case .twilio:
            need(twilioAccountSID, "TWILIO_ACCOUNT_SID"); need(twilioAuthToken, "TWILIO_AUTH_TOKEN"); need(twilioFrom, "TWILIO_FROM")
        case .vonage where channel == .sms:
            need(vonageAPIKey, "VONAGE_API_KEY"); need(vonageAPISecret, "VONAGE_API_SECRET"); need(vonageFrom, "VONAGE_FROM")
        case .vonage:
            need(vonageApplicationID, "VONAGE_APPLICATION_ID"); need(vonagePrivateKeyPath, "VONAGE_PRIVATE_KEY_PATH")
            need(vonageFrom, "VONAGE_FROM")
        }
        guard missing.isEmpty else {
            throw ConfigError("\(setting)=\(gateway.rawValue) needs \(missing.joined(separator: ", ")) in the environment")
        }
        if gateway == .twilio {
            // The SID goes into the URL path: letters and digits only.
            guard twilioAccountSID.hasPrefix("AC"), twilioAccountSID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ConfigError("TWILIO_ACCOUNT_SID must look like AC followed by letters and digits")
            }
            if channel == .voice && !Self.isPhoneNumber(twilioFrom) {
                throw ConfigError("VOICE_GATEWAY=twilio needs TWILIO_FROM to be a phone number like +447700900000")
            }
            try checkURL(twilioBaseURL, "TWILIO_BASE_URL", production: production)
        } else if channel == .voice {
            if !Self.isPhoneNumber(vonageFrom) {
                throw ConfigError("VOICE_GATEWAY=vonage needs VONAGE_FROM to be a phone number like +447700900000")
            }
            guard FileManager.default.isReadableFile(atPath: vonagePrivateKeyPath) else {
                throw ConfigError("VONAGE_PRIVATE_KEY_PATH: cannot read \(vonagePrivateKeyPath)")
            }
            try checkURL(vonageAPIBaseURL, "VONAGE_API_BASE_URL", production: production)
        } else {
            try checkURL(vonageRESTBaseURL, "VONAGE_REST_BASE_URL", production: production)
        }
    }

    /// VERIFY_ENGINE=vonage sends every PIN request to Vonage's hosted Verify API
    /// (VONAGE_API_BASE_URL) with the account's key and secret.
    func checkVonageVerify(production: Bool) throws {
        let missing = [("VONAGE_API_KEY", vonageAPIKey), ("VONAGE_API_SECRET", vonageAPISecret)].filter { $0.1.isEmpty }.map(\.0)
        guard missing.isEmpty else {
            throw ConfigError("VERIFY_ENGINE=vonage needs \(missing.joined(separator: ", ")) in the environment")
        }
        try checkURL(vonageAPIBaseURL, "VONAGE_API_BASE_URL", production: production)
    }

    /// Empty means the provider's default. Production sends credentials only over https.
    private func checkURL(_ text: String, _ name: String, production: Bool) throws {
        guard !text.isEmpty else { return }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false, url.query == nil else {
            throw ConfigError("\(name) must be an http(s) URL like https://api.example.com (got \"\(text)\")")
        }
        if production && scheme != "https" { throw ConfigError("\(name) must use https in production") }
    }

    static func isPhoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (7...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
