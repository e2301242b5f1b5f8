/// SMS_GATEWAY / VOICE_GATEWAY: which provider delivers texts, and which one places calls.
public enum GatewayKind: String, CaseIterable, Sendable {
    /// Appends every message to the outbox file (SMS_OUTBOX): development and tests.
    case outbox
    /// Twilio's REST API (TwilioGateway), for texts and calls.
    case twilio
    /// Vonage's SMS API for texts, its Voice API for calls.
    case vonage

    /// What a gateway is chosen for, named by the setting that chooses it.
    enum Channel: String {
        case sms = "SMS_GATEWAY"
        case voice = "VOICE_GATEWAY"
    }

    static func parse(_ name: String, for channel: Channel) throws -> GatewayKind {
        guard let kind = GatewayKind(rawValue: name) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError("\(channel.rawValue) \"\(name)\" is unknown (known: \(known))")
        }
        return kind
    }
}
