import Foundation
import Messaging
import Support
import Verify

/// A Vonage Verify v2 start (`POST /v2/verify`), read from its JSON body and turned into the
/// engine's `VerifyStart`. Field rules are Vonage's (vonage-python-sdk `vonage_verify.requests`):
/// brand 1–16, workflow of 1–3 steps, channel_timeout 15–900 s, code_length 4–10, client_ref
/// 1–16, locale from Vonage's list. Where the engine offers less, the answer is a 422 naming
/// the parameter and what we accept (README: "Where we differ").
struct VonageV2Start {
    var start: VerifyStart
    var clientRef: String?
    var locale: String?

    static let channelTimeouts = 15...900
    static let codeLengths = 4...10
    static let defaultCodeLength = 4
    static let defaultChannelTimeout = 300
    static let locales: Set<String> = ["en-us", "en-gb", "es-es", "es-mx", "es-us", "it-it", "fr-fr", "de-de",
                                       "ru-ru", "hi-in", "pt-br", "pt-pt", "id-id"]
    /// Channels Vonage knows that this engine does not deliver.
    static let foreignChannels: Set<String> = ["whatsapp", "whatsapp_interactive", "silent_auth"]

    /// `allowsCustomCodes`: the API key may send its own `code` (`twofa api-keys custom-codes KEY on`).
    static func parse(_ body: [UInt8], allowsCustomCodes: Bool = false) throws -> VonageV2Start {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Problem.invalid("body", "a JSON object is required")
        }
        guard let brand = object["brand"] as? String, !brand.isEmpty else { throw Problem.invalid("brand", "required, a string") }
        guard brand.unicodeScalars.count <= 16 else { throw Problem.invalid("brand", "at most 16 characters") }
        if let problem = VerifyStart.brandProblem(brand) { throw Problem.invalid("brand", problem) }
        guard let steps = object["workflow"] as? [Any], !steps.isEmpty else {
            throw Problem.invalid("workflow", "required, a list of 1 to 3 steps")
        }
        guard steps.count <= 3 else { throw Problem.invalid("workflow", "at most 3 steps") }

        var kinds: [VerifyEvent.Kind] = []
        var number: String?
        var address: String?
        var senderID: String?
        for (i, item) in steps.enumerated() {
            let name = "workflow[\(i)]"
            guard let step = item as? [String: Any] else { throw Problem.invalid(name, "each step is an object") }
            guard let channel = step["channel"] as? String else { throw Problem.invalid("\(name).channel", "required") }
            guard let to = step["to"] as? String, !to.isEmpty else { throw Problem.invalid("\(name).to", "required") }
            switch channel {
            case "sms": kinds.append(.sms)
            case "voice": kinds.append(.tts)
            case "email":
                // A request here has one destination: an e-mail step is the whole workflow.
                guard steps.count == 1 else { throw Problem.invalid("\(name).channel", "email must be the workflow's only step here") }
                let normalized = EmailAddress.normalize(to)
                if let problem = EmailAddress.problem(normalized) { throw Problem.invalid("\(name).to", "an e-mail address: \(problem)") }
                address = normalized
                continue
            case _ where foreignChannels.contains(channel):
                throw Problem.invalid("\(name).channel", "\(channel) is not offered here: use sms, voice or email")
            default:
                throw Problem.invalid("\(name).channel", "one of sms, voice, email")
            }
            guard let normalized = PhoneNumber.fromAPI(to) else {
                throw Problem.invalid("\(name).to", "a phone number in E.164 format")
            }
            if let number, number != normalized {
                throw Problem.invalid("\(name).to", "every step must go to the same number here")
            }
            number = normalized
            if let from = step["from"] {
                guard channel == "sms", let text = from as? String,
                      (3...11).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw Problem.invalid("\(name).from", "3 to 11 letters or digits, SMS steps only")
                }
                senderID = text
            }
        }
        var start: VerifyStart
        if let address {
            start = VerifyStart(email: address, brand: brand)
        } else {
            // The engine runs Vonage v1's workflows; a v2 list of steps is one of them or refused.
            guard let workflowID = Workflow.all.first(where: { $0.value == kinds })?.key else {
                throw Problem.invalid("workflow", "this order of channels is not offered here; use sms, voice, sms+voice, "
                                      + "sms+sms, voice+voice, sms+voice+voice, sms+sms+voice, or email alone")
            }
            start = VerifyStart(number: number!, brand: brand)
            start.workflow = Workflow(id: workflowID)!
            if let senderID { start.senderID = senderID }
        }
        start.codeLength = try integer(object, "code_length", in: codeLengths) ?? defaultCodeLength
        let timeout = try integer(object, "channel_timeout", in: channelTimeouts) ?? defaultChannelTimeout
        // Each step's code lives until the next step: one wait, the same for both.
        start.nextEventWait = timeout
        start.pinExpiry = timeout
        if let code = object["code"], !(code is NSNull) {
            guard allowsCustomCodes else { throw Problem.invalid("code", "custom codes are not enabled for this API key") }
            guard let text = code as? String, VerifyStart.isCustomCode(text) else {
                throw Problem.invalid("code", "\(VerifyStart.customCodeLengths.lowerBound) to \(VerifyStart.customCodeLengths.upperBound) digits")
            }
            start.customCode = text
        }
        var parsed = VonageV2Start(start: start)
        if let ref = object["client_ref"], !(ref is NSNull) {
            guard let text = ref as? String, (1...16).contains(text.count),
                  text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) else {
                throw Problem.invalid("client_ref", "1 to 16 printable ASCII characters")
            }
            parsed.clientRef = text
        }
        if let locale = object["locale"], !(locale is NSNull) {
            guard let text = (locale as? String)?.lowercased(), locales.contains(text) else {
                throw Problem.invalid("locale", "one of " + locales.sorted().joined(separator: ", "))
            }
            parsed.locale = text
        }
        // The texts' language: the locale where we write it (es-us reads as Latin American
        // Spanish), else the number's country's, as on v1.
        parsed.start.language = parsed.locale.flatMap { VerifyLanguage(code: $0 == "es-us" ? "es-mx" : $0) }
            ?? VerifyLanguage.forNumber(parsed.start.number)
        return parsed
    }

    private static func integer(_ object: [String: Any], _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        // The range is checked on the double first: a huge number must not reach an Int conversion.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c",
              (Double(range.lowerBound)...Double(range.upperBound)).contains(number.doubleValue),
              number.doubleValue == Double(number.intValue) else {
            throw Problem.invalid(name, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.intValue
    }
}

/// Vonage v2 shows request ids as UUIDs; ours are 32 hex digits, the same id with dashes.
enum VonageV2ID {
    static func show(_ id: String) -> String {
        guard id.count == 32 else { return id }
        let c = Array(id)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }
    static func read(_ shown: String) -> String { shown.replacingOccurrences(of: "-", with: "").lowercased() }
}
