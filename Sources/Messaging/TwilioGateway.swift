import Foundation
import Support

/// Texts through Twilio's Messages API and calls through its Calls API (REST 2010-04-01):
/// `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` (To, From or
/// MessagingServiceSid, Body) and `…/Calls.json` (To, From, Twiml), form-encoded, with
/// HTTP Basic auth AccountSid:AuthToken. Twilio answers 201 with the new resource's `sid`,
/// or 4xx/5xx with `{"code": …, "message": …}`.
public final class TwilioGateway: SMSGateway, VoiceGateway {
    public static let defaultBaseURL = URL(string: "https://api.twilio.com")!

    let accountSID: String
    let authToken: String
    /// An E.164 number, or a Messaging Service SID (`MG…`, texts only).
    let from: String
    let baseURL: URL
    let client: OutboundHTTPClient

    public init(accountSID: String, authToken: String, from: String, baseURL: URL = TwilioGateway.defaultBaseURL,
                client: OutboundHTTPClient = OutboundHTTPClient()) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.baseURL = baseURL
        self.client = client
    }

    public func send(_ message: SMSMessage) throws {
        _ = try deliver(message)
    }

    public func deliver(_ message: SMSMessage) throws -> DeliveryReceipt {
        let sender = from.hasPrefix("MG") ? ("MessagingServiceSid", from) : ("From", from)
        let receipt = try post("Messages.json", [("To", message.to), sender, ("Body", message.body)],
                               label: "Twilio SMS to \(Redact.phone(message.to))")
        Log.info("SMS to \(Redact.phone(message.to)) accepted by Twilio (\(receipt.messageID ?? "no sid"))")
        return receipt
    }

    public func call(_ call: VoiceCall) throws -> DeliveryReceipt {
        guard !from.hasPrefix("MG") else {
            throw DeliveryError.unsent(reason: "Twilio calls need a phone number in TWILIO_FROM, not a Messaging Service SID")
        }
        let receipt = try post("Calls.json", [("To", call.to), ("From", from), ("Twiml", Self.twiml(say: call.text, language: call.language))],
                               label: "Twilio call to \(Redact.phone(call.to))")
        Log.info("call to \(Redact.phone(call.to)) accepted by Twilio (\(receipt.messageID ?? "no sid"))")
        return receipt
    }

    /// `<Response><Say>text</Say></Response>`, the text XML-escaped.
    /// `language` other than Twilio's default en-US goes in `<Say language="…">`.
    public static func twiml(say text: String, language: String = "en-US") -> String {
        let escaped = MarkupEscape.text(text)
        let tag = language == "en-US" || !language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") })
            ? "" : " language=\"\(language)\""
        return "<Response><Say\(tag)>\(escaped)</Say></Response>"
    }

    private func post(_ resource: String, _ fields: [(String, String)], label: String) throws -> DeliveryReceipt {
        let url = try OutboundRequest.url(baseURL, "/2010-04-01/Accounts/\(accountSID)/\(resource)")
        let credentials = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        let request = OutboundRequest(url: url, headers: [
            ("Authorization", "Basic \(credentials)"),
            ("Content-Type", FormBody.contentType),
            ("Accept", "application/json"),
        ], body: FormBody.encode(fields), label: label)
        let response = try client.send(request)
        let json = response.jsonObject
        guard (200..<300).contains(response.status) else {
            var reason = "HTTP \(response.status)"
            if let code = json?["code"] { reason = "Twilio error \(code)" }
            if let message = json?["message"] as? String { reason += ": " + ProviderText.scrub(message) }
            throw DeliveryError.rejected(status: response.status, reason: reason)
        }
        guard let sid = json?["sid"] as? String, !sid.isEmpty else {
            throw DeliveryError.badResponse(reason: "Twilio answered \(response.status) without a sid")
        }
        return DeliveryReceipt(provider: "twilio", messageID: sid)
    }
}
