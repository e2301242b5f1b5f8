import Foundation
import HTTP
import Support
import Verify

/// A Verify API request whose `api_key`/`api_secret` named a live client within its rate limit.
struct ApiCall {
    let context: RequestContext
    let client: ApiClient
    var params: Parameters { context.params }
}

extension Gate where Passed == ApiCall {
    /// The client named by `api_key`/`api_secret` (parameters first, then HTTP Basic), counted
    /// against its rate limit. Missing → 2, wrong or revoked → 4, over the limit → 1; the start
    /// action's refusals carry an (empty) `request_id`, as Vonage's do.
    static func apiClient(requestIDInErrors: Bool) -> Gate {
        Gate(names: ["authenticateApiClient"]) { context in
            switch try ApiCall.authenticate(context) {
            case .success(let client): return .admitted(ApiCall(context: context, client: client))
            case .failure(let refusal): return .answered(refusal.response(includeRequestID: requestIDInErrors))
            }
        }
    }
}

extension Gate where Passed == ApiCall {
    /// Vonage Verify v2's gate: HTTP Basic with our api key and secret (Vonage's JWT bearer
    /// needs an application's key pair, which we don't issue). Refusals are problem bodies:
    /// 401 for missing or wrong credentials, 429 over the rate limit.
    static let apiClientV2 = Gate(names: ["authenticateApiClient"]) { context in
        switch try ApiCall.authenticate(context) {
        case .success(let client): return .admitted(ApiCall(context: context, client: client))
        case .failure(let refusal):
            context.app.metrics.refused(refusal.status == .throttled ? "verify_v2_throttled" : "verify_v2_credentials")
            let problem: Problem = refusal.status == .throttled ? .throttled : .unauthorized
            return .answered(problem.response(instance: context.request.requestID))
        }
    }
}

extension ApiCall {
    static func authenticate(_ context: RequestContext) throws -> Result<ApiClient, VerifyError> {
        let params = context.params, app = context.app
        var key = params["api_key"], secret = params["api_secret"]
        if key.isEmpty && secret.isEmpty, let basic = basicCredentials(context.request.headers["Authorization"]) {
            (key, secret) = basic
        }
        if key.isEmpty { return .failure(VerifyError(.missingParameter, "Missing api_key")) }
        if secret.isEmpty { return .failure(VerifyError(.missingParameter, "Missing api_secret")) }
        guard let client = try app.apiClients.authenticate(apiKey: key, secret: secret) else {
            Log.info("verify api: bad credentials")
            return .failure(.badCredentials)
        }
        guard try app.apiRateLimiter.allow(key: client.apiKey, now: context.now, in: app.database) else { return .failure(.throttled) }
        return .success(client)
    }

    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
