import Database
import Foundation
import Messaging

/// Builds the delegating Verify engine (VERIFY_ENGINE=vonage). AppConfig.validate has
/// already required VONAGE_API_KEY / VONAGE_API_SECRET and checked VONAGE_API_BASE_URL.
extension Application {
    static func makeVonageVerifyEngine(_ config: AppConfig, database: Database, throttle: SendThrottle,
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
