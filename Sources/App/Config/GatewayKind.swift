/// SMS_GATEWAY / VOICE_GATEWAY: which provider delivers texts, and which one places calls.
public enum GatewayKind: String, CaseIterable, Sendable {
    /// Appends every message to the outbox file (SMS_OUTBOX): development and tests.
    case outbox
    /// Twilio's REST API (TwilioGateway), for texts and calls.
    case twilio
    /// Vonage's SMS API for texts, its Voice API for calls.
    case vonage

    /// `setting` names the variable in the message: SMS_GATEWAY or VOICE_GATEWAY.
    static func parse(_ name: String, setting: String) throws -> GatewayKind {
        guard let kind = GatewayKind(rawValue: name) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError("\(setting) \"\(name)\" is unknown (known: \(known))")
        }
        return kind
    }
}
