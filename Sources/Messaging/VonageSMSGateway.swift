import Foundation
import Support

/// Texts through Vonage's SMS API: `POST {rest base}/sms/json`, form-encoded `api_key`,
/// `api_secret`, `from`, `to` (digits, no '+'), `text` (`type=unicode` when needed).
/// Vonage answers 200 even for failures; each `messages[].status` is "0" for accepted,
/// otherwise an error with `error-text`. Status 1 (throttled) and 5 (internal error) mean
/// "try again" and are retried like a 5xx.
public final class VonageSMSGateway: SMSGateway {
    public static let defaultBaseURL = URL(string: "https://rest.nexmo.com")!

    let apiKey: String
    let apiSecret: String
    /// A number (E.164, '+' optional) or an alphanumeric sender id where allowed.
    let from: String
    let baseURL: URL
    let client: OutboundHTTPClient

    public init(apiKey: String, apiSecret: String, from: String, baseURL: URL = VonageSMSGateway.defaultBaseURL,
                client: OutboundHTTPClient = OutboundHTTPClient()) {
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.from = from
        self.baseURL = baseURL
        self.client = client
    }

    public func send(_ message: SMSMessage) throws {
        _ = try deliver(message)
    }

    public func deliver(_ message: SMSMessage) throws -> DeliveryReceipt {
        let sender = from.hasPrefix("+") ? ProviderText.digits(from) : from
        var fields = [("api_key", apiKey), ("api_secret", apiSecret), ("from", sender),
                      ("to", ProviderText.digits(message.to)), ("text", message.body)]
        // GSM-7 covers ASCII; anything else would arrive as '?' unless sent as unicode.
        if !message.body.unicodeScalars.allSatisfy(\.isASCII) { fields.append(("type", "unicode")) }
        let request = OutboundRequest(url: try OutboundRequest.url(baseURL, "/sms/json"), headers: [
            ("Content-Type", FormBody.contentType), ("Accept", "application/json"),
        ], body: FormBody.encode(fields), label: "Vonage SMS to \(Redact.phone(message.to))")

        let response = try client.send(request, transient: { response in
            if let reason = OutboundHTTPClient.serverError(response) { return reason }
            let failed = Self.statuses(response).first { $0.status != "0" }
            guard let failed, Self.temporaryStatuses.contains(failed.status) else { return nil }
            return "Vonage status \(failed.status)"
        })
        guard response.status == 200 else {
            throw DeliveryError.rejected(status: response.status, reason: Self.httpErrorReason(response))
        }
        let parts = Self.statuses(response)
        guard !parts.isEmpty else { throw DeliveryError.badResponse(reason: "Vonage answered without messages[]") }
        if let failed = parts.first(where: { $0.status != "0" }) {
            throw DeliveryError.rejected(status: response.status,
                                         reason: "Vonage status \(failed.status): \(ProviderText.scrub(failed.errorText))")
        }
        let id = parts.first?.messageID
        Log.info("SMS to \(Redact.phone(message.to)) accepted by Vonage (\(id ?? "no message-id"))")
        return DeliveryReceipt(provider: "vonage", messageID: id)
    }

    static let temporaryStatuses: Set<String> = ["1", "5"]

    private struct Part { let status: String; let errorText: String; let messageID: String? }

    /// One entry per SMS part. Vonage sends status as a string; accept a number too.
    private static func statuses(_ response: OutboundResponse) -> [Part] {
        guard let messages = response.jsonObject?["messages"] as? [[String: Any]] else { return [] }
        return messages.map { entry in
            let status = (entry["status"] as? String) ?? (entry["status"] as? NSNumber).map { $0.stringValue } ?? "?"
            return Part(status: status, errorText: entry["error-text"] as? String ?? "no error-text",
                        messageID: entry["message-id"] as? String)
        }
    }

    private static func httpErrorReason(_ response: OutboundResponse) -> String {
        let json = response.jsonObject
        let text = (json?["error-text"] as? String) ?? (json?["title"] as? String)
        return text.map { "HTTP \(response.status): " + ProviderText.scrub($0) } ?? "HTTP \(response.status)"
    }
}
