import Foundation
import Messaging
import Security

/// Builds the delivery gateways the config names. AppConfig.validate has already refused
/// unknown names and missing credentials; what can still fail here (an unreadable or
/// wrong private key) stops start-up with a `ConfigError`.
///
/// Every gateway blocks while it talks to its provider (bounded by `RetryPolicy`), so
/// call it from HTTP worker threads or the Verify scheduler's threads, never an event loop.
enum GatewayFactory {
    static func sms(_ config: AppConfig) throws -> SMSGateway {
        let c = config.gateways
        switch config.smsGateway {
        case .twilio:
            return try makeTwilio(c)
        case .vonage:
            return VonageSMSGateway(apiKey: c.vonageAPIKey, apiSecret: c.vonageAPISecret, from: c.vonageFrom,
                                    baseURL: try url(c.vonageRESTBaseURL, default: VonageSMSGateway.defaultBaseURL))
        case .outbox:
            return try OutboxGateway(path: config.smsOutbox)
        }
    }

    static func voice(_ config: AppConfig) throws -> VoiceGateway {
        let c = config.gateways
        switch config.voiceGateway {
        case .twilio:
            return try makeTwilio(c)
        case .vonage:
            let signer: RS256Signer
            do {
                signer = try RS256Signer(pemFile: c.vonagePrivateKeyPath)
            } catch {
                throw ConfigError("VONAGE_PRIVATE_KEY_PATH: \(error)")
            }
            return VonageVoiceGateway(applicationID: c.vonageApplicationID, from: c.vonageFrom,
                                      signJWT: { try JWT.rs256(claimsJSON: $0, signer: signer) },
                                      baseURL: try url(c.vonageAPIBaseURL, default: VonageVoiceGateway.defaultBaseURL))
        case .outbox:
            return try OutboxGateway(path: config.smsOutbox)
        }
    }

    /// SMTP when SMTP_URL is set; otherwise the outbox outside production, and no e-mail at
    /// all in production (the web app then offers no e-mail address).
    static func email(_ config: AppConfig) throws -> EmailGateway? {
        if let settings = config.smtp {
            do { return try SMTPGateway(settings: settings) } catch { throw ConfigError("\(error)") }
        }
        return config.environment == .production ? nil : try OutboxGateway(path: config.smsOutbox)
    }

    private static func makeTwilio(_ c: GatewayCredentials) throws -> TwilioGateway {
        TwilioGateway(accountSID: c.twilioAccountSID, authToken: c.twilioAuthToken, from: c.twilioFrom,
                      baseURL: try url(c.twilioBaseURL, default: TwilioGateway.defaultBaseURL))
    }

    private static func url(_ text: String, default fallback: URL) throws -> URL {
        if text.isEmpty { return fallback }
        guard let url = URL(string: text) else { throw ConfigError("not a URL: \(text)") }
        return url
    }
}
