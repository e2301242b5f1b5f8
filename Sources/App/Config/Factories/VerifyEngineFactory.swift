import Database
import Foundation
import Messaging
import Support
import Verify

/// Builds the Verify engine VERIFY_ENGINE names, and its event scheduler.
enum VerifyEngineFactory {
    static func make(_ config: AppConfig, database: Database, sms: SMSGateway, voice: VoiceGateway?, email: EmailGateway? = nil, pinKey: [UInt8],
                     metrics: Metrics, clock: @escaping @Sendable () -> Int64) throws -> (VerifyEngine, EventScheduler) {
        let throttle = SendThrottle(maxPerNumber: config.verifyMaxSendsPerNumber, maxPerIP: config.verifyMaxSendsPerIP,
                                    window: config.verifySendWindow, countries: config.smsCountries,
                                    maxUnverifiedPerHour: config.verifyMaxSendsPerHour,
                                    untoldPurposes: VerifyStart.WebFlow.untold.map(\.rawValue))
        let observer = PinActivity(database: database, metrics: metrics)
        switch config.verifyEngine {
        case .vonage:
            // Vonage's hosted Verify makes, sends and schedules the PINs: no scheduler here.
            let engine = try vonage(config, database: database, throttle: throttle, observer: observer)
            return (engine, EventScheduler(engine: nil, clock: clock))
        case .builtin:
            let engine = BuiltinVerifyEngine(
                database: database, sms: sms, voice: try voice ?? GatewayFactory.voice(config), email: email, pinKey: pinKey,
                maxWrongChecks: config.pinMaxAttempts, throttle: throttle, observer: observer)
            return (engine, EventScheduler(engine: engine, clock: clock))
        }
    }

    /// The delegating engine (VERIFY_ENGINE=vonage). AppConfig.validate has already required
    /// VONAGE_API_KEY / VONAGE_API_SECRET and checked VONAGE_API_BASE_URL.
    private static func vonage(_ config: AppConfig, database: Database, throttle: SendThrottle,
                               observer: VerifyObserver) throws -> VonageVerifyEngine {
        let c = config.gateways
        var baseURL = VonageVerifyEngine.defaultBaseURL
        if !c.vonageAPIBaseURL.isEmpty {
            guard let url = URL(string: c.vonageAPIBaseURL) else { throw ConfigError("not a URL: \(c.vonageAPIBaseURL)") }
            baseURL = url
        }
        return VonageVerifyEngine(database: database, apiKey: c.vonageAPIKey, apiSecret: c.vonageAPISecret, baseURL: baseURL,
                                  throttle: throttle, maxWrongChecks: config.pinMaxAttempts, observer: observer)
    }
}
