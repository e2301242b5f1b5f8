import Foundation
import HTTP
import Support

/// A Twilio face request whose HTTP Basic credentials (account SID `AC…`, auth token) named a
/// live API client within its rate limit. `path` holds the route's `{…}` segments.
struct TwilioCall {
    let context: RequestContext
    let client: ApiClient
    let path: [String: String]
    var accountSID: String { client.apiKey }
    var params: Parameters { context.params }
}

extension Gate where Passed == TwilioCall {
    /// HTTP Basic only, as Twilio takes it; only a key made with `api-keys create --twilio` (an
    /// `AC…` account SID). Wrong or missing → 401 (20003), over the key's rate limit → 429 (20429).
    static func twilioAccount(_ pattern: String) -> Gate {
        let pattern = PathPattern(pattern)
        return Gate(names: ["authenticateTwilioAccount"]) { context in
            let app = context.app
            guard let (sid, token) = ApiCall.basicCredentials(context.request.headers["Authorization"]),
                  sid.hasPrefix("AC"),
                  let client = try app.apiClients.authenticate(apiKey: sid, secret: token) else {
                Log.info("twilio api: bad credentials")
                app.metrics.refused(TwilioError.authenticate.metricsReason)
                return .answered(TwilioError.authenticate.response())
            }
            guard try app.apiRateLimiter.allow(key: client.apiKey, now: context.now, in: app.database) else {
                app.metrics.refused(TwilioError.tooManyRequests.metricsReason)
                return .answered(TwilioError.tooManyRequests.response())
            }
            let path = pattern?.parameters(in: context.request.path) ?? [:]
            return .admitted(TwilioCall(context: context, client: client, path: path))
        }
    }
}
