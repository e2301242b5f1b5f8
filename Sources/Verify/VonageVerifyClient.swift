import Foundation
import HTTP
import Messaging
import Support

/// The three calls of Vonage's hosted Verify v1 API the delegating engine makes, over
/// `OutboundHTTPClient` (timeouts, retries with backoff): `POST /verify/json`,
/// `/verify/check/json` and `/verify/control/json`, form-encoded, with our Vonage
/// `api_key`/`api_secret` in the body as Vonage documents.
///
/// Returns Vonage's answer whatever its status; throws `DeliveryError` when there is no
/// usable answer (network, timeout, 5xx after the retries, a 4xx, a body that isn't Vonage's).
struct VonageVerifyClient: Sendable {
    static let defaultBaseURL = URL(string: "https://api.nexmo.com")!

    let apiKey: String
    let apiSecret: String
    let baseURL: URL
    let http: OutboundHTTPClient

    enum Call: String {
        case start = "/verify/json", check = "/verify/check/json", control = "/verify/control/json"
        case psd2 = "/verify/psd2/json"
    }

    /// `label` goes to the logs: it must not hold the code, the secret or a full number.
    func send(_ call: Call, _ fields: [(String, String)], label: String) throws -> VonageVerifyAnswer {
        let body = FormURLEncoded.encode([("api_key", apiKey), ("api_secret", apiSecret)] + fields)
        let request = OutboundRequest(url: try OutboundRequest.url(baseURL, call.rawValue), headers: [
            ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
        ], body: Array(body.utf8), label: label)
        let response = try http.send(request, transient: transient(for: call))
        guard let answer = VonageVerifyAnswer(response) else {
            if response.status != 200 {
                throw DeliveryError.rejected(status: response.status, reason: "Vonage Verify answered HTTP \(response.status)")
            }
            throw DeliveryError.badResponse(reason: "Vonage Verify answered without a status")
        }
        return answer
    }

    private func transient(for call: Call) -> (OutboundResponse) -> String? {
        { response in
            // A check is not repeated after a 5xx: had Vonage taken the first, a repeat would
            // count the code twice or say "already verified". Starts and controls may repeat
            // (a repeated start meets status 10 at worst, which the engine handles).
            if call == .check { return nil }
            if let reason = OutboundHTTPClient.serverError(response) { return reason }
            if let answer = VonageVerifyAnswer(response), answer.status == "5" { return "Vonage status 5" }
            return nil
        }
    }
}
