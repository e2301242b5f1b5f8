import Foundation
import Support

/// Calls through Vonage's Voice API: `POST {api base}/v1/calls` with
/// `{"to":[{"type":"phone","number":"447700900000"}],"from":{"type":"phone","number":…},
///   "ncco":[{"action":"talk","text":…}]}` and `Authorization: Bearer <JWT>`, the JWT
/// RS256-signed with the Vonage application's private key and carrying `application_id`,
/// `iat`, `jti` and `exp`. Vonage answers 201 with the call's `uuid`.
public final class VonageVoiceGateway: VoiceGateway {
    public static let defaultBaseURL = URL(string: "https://api.nexmo.com")!
    /// Seconds a call's token stays valid; each call signs a fresh one.
    static let tokenLifetime = 300

    /// Turns the claims JSON into a signed compact JWT. Messaging stays free of crypto:
    /// the app passes `{ try JWT.rs256(claimsJSON: $0, signer: RS256Signer(pemFile: …)) }`.
    public typealias JWTSigner = @Sendable (_ claimsJSON: String) throws -> String

    let applicationID: String
    /// The calling number (E.164, '+' optional).
    let from: String
    let signJWT: JWTSigner
    let baseURL: URL
    let client: OutboundHTTPClient
    let clock: @Sendable () -> Int64

    public init(applicationID: String, from: String, signJWT: @escaping JWTSigner,
                baseURL: URL = VonageVoiceGateway.defaultBaseURL, client: OutboundHTTPClient = OutboundHTTPClient(),
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.applicationID = applicationID
        self.from = from
        self.signJWT = signJWT
        self.baseURL = baseURL
        self.client = client
        self.clock = clock
    }

    public func call(_ call: VoiceCall) throws -> DeliveryReceipt {
        let token: String
        do {
            token = try signJWT(claims(now: clock()))
        } catch {
            throw DeliveryError.unsent(reason: "cannot sign the Vonage JWT: \(error)")
        }
        let body = #"{"to":[{"type":"phone","number":"# + JSON.quote(ProviderText.digits(call.to)) + "}],"
            + #""from":{"type":"phone","number":"# + JSON.quote(ProviderText.digits(from)) + "},"
            + #""ncco":[{"action":"talk","text":"# + JSON.quote(call.text)
            // Vonage's default voice is en-US; another language is named so its voice reads the text.
            + (call.language == "en-US" ? "" : #","language":"# + JSON.quote(call.language)) + "}]}"
        let request = OutboundRequest(url: try OutboundRequest.url(baseURL, "/v1/calls"), headers: [
            ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Accept", "application/json"),
        ], body: Array(body.utf8), label: "Vonage call to \(Redact.phone(call.to))")

        let response = try client.send(request)
        let json = response.jsonObject
        guard (200..<300).contains(response.status) else {
            // Vonage errors: {"type","title","detail"} or {"error_title", …} for auth failures.
            let title = (json?["title"] as? String) ?? (json?["error_title"] as? String)
            var reason = title.map { ProviderText.scrub($0) } ?? "HTTP \(response.status)"
            if let detail = json?["detail"] as? String { reason += ": " + ProviderText.scrub(detail) }
            throw DeliveryError.rejected(status: response.status, reason: reason)
        }
        guard let uuid = json?["uuid"] as? String, !uuid.isEmpty else {
            throw DeliveryError.badResponse(reason: "Vonage answered \(response.status) without a call uuid")
        }
        Log.info("call to \(Redact.phone(call.to)) accepted by Vonage (\(uuid))")
        return DeliveryReceipt(provider: "vonage", messageID: uuid)
    }

    /// `{"application_id":…,"iat":…,"jti":…,"exp":…}`; `jti` is unique per token so a
    /// captured token cannot be replayed as a new one.
    func claims(now: Int64) -> String {
        "{\"application_id\":" + JSON.quote(applicationID) + ",\"iat\":\(now),\"jti\":"
            + JSON.quote(UUID().uuidString.lowercased()) + ",\"exp\":\(now + Int64(Self.tokenLifetime))}"
    }
}
