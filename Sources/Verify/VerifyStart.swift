import Messaging
import Support

/// What a new Verify request asks for, validated (the `/verify/json` parameters).
public struct VerifyStart: Sendable, Equatable {
    public var number: String
    public var brand: String
    public var senderID: String = "verify"
    public var codeLength: Int = 6
    public var pinExpiry: Int = 300
    public var nextEventWait: Int = 300
    public var workflow: Workflow = Workflow(id: 1)!
    /// The web app's own requests: a new login supersedes the number's live request
    /// instead of being refused with status 10 (the old browser tab is abandoned).
    public var replacesLiveRequest = false
    /// Without `replacesLiveRequest`: the one live request this start may still supersede (the
    /// same visitor asking again); any other live request of its purpose refuses it with status 10.
    public var replacesRequestID: String?
    /// The web app's login PIN to the account's own, already proven number: the site-wide
    /// brake on sends to unverified numbers (VERIFY_MAX_SENDS_PER_HOUR) lets it through.
    public var toVerifiedNumber = false
    /// The web flow this request serves ("login", "number_change", "passwordless"; "" for the
    /// API). Live requests and the per-number send allowance are each flow's own, so one
    /// flow's requests never cancel or use up another's.
    public var purpose = ""
    /// Store the request as if its first code went out, but send nothing, keep no code any
    /// entry can match and schedule no further event: the web app's stand-in for a sign-up
    /// whose number another account has proven (its pages must look like any other's).
    public var withholdsCode = false
    /// Other flows' purposes whose live request this start may cancel where the provider allows
    /// only one live request per number (`VERIFY_ENGINE=vonage`); the built-in engine keeps each
    /// flow's request apart and never needs to.
    public var outranksPurposes: [String] = []
    /// The texts' and calls' language. The web app's own requests stay in US English; the APIs
    /// take `lg` / `Locale`, or the number's country.
    public var language: VerifyLanguage = .enUS
    /// A PSD2 payment (`/verify/psd2/json`): whom and how much (euros, "12.50") the code approves.
    public var payment: Payment?
    /// The client's own code (`pin_code`, Twilio's CustomCode), 4–10 digits, sent by every event
    /// instead of one of ours; only for a client allowed custom codes (the API checks).
    public var customCode: String?
    public static let customCodeLengths = 4...10

    /// Whether `code` can be a client's own code (`pin_code`, Twilio's `CustomCode`, v2's `code`).
    public static func isCustomCode(_ code: String) -> Bool {
        customCodeLengths.contains(code.count) && code.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// What a PSD2 code approves: its texts name it, and its HMAC covers it.
    public struct Payment: Sendable, Equatable {
        public let payee: String
        public let amount: String
        public init(payee: String, amount: String) { self.payee = payee; self.amount = amount }

        public static let payeeLength = 1...18

        /// An amount in euros as given ("10", "10.5", "0.99"), written with two decimals; nil when
        /// it is not a positive amount with at most two decimals (at most a million euros).
        public static func amount(_ text: String) -> String? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = Int(parts[0]), parts[0].allSatisfy(\.isNumber),
                  whole <= 1_000_000 else { return nil }
            let cents = parts.count == 2 ? String(parts[1]) : ""
            guard cents.count <= 2, cents.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let padded = String((cents + "00").prefix(2))
            guard whole > 0 || padded != "00" else { return nil }
            return "\(whole).\(padded)"
        }
    }

    public static let brandLength = 1...18
    public static let codeLengths: Set<Int> = [4, 6]
    public static let pinExpiryRange = 60...3600
    public static let nextEventWaitRange = 60...900

    public init(number: String, brand: String) { self.number = number; self.brand = brand }

    /// A code by e-mail to `address` (`Workflow.email`): the same request, limits and checks as a
    /// texted code, with the address where the number would be. The engine refuses an address
    /// that fails `EmailAddress.problem` (status 3, parameter `email`).
    public init(email address: String, brand: String) {
        self.number = address; self.brand = brand; self.workflow = .email
    }

    /// The destination as logs may show it: a masked number or a masked address.
    public static func redacted(_ destination: String) -> String {
        EmailAddress.isDestination(destination) ? EmailAddress.redact(destination) : Redact.phone(destination)
    }

    /// Whether this start may supersede the live request `id` of its purpose.
    public func mayReplace(_ id: String) -> Bool {
        replacesLiveRequest || (replacesRequestID.map { !$0.isEmpty && $0 == id } ?? false)
    }

    /// Why `brand` can't go into a text, or nil. Counted in Unicode scalars, not in
    /// characters: a few characters with piled-up combining marks are hundreds of scalars.
    /// Printable only: a control or line break would forge a text's layout, and a bidi
    /// override or isolate (U+202E, U+2066…) would show the brand's or the code's text reversed.
    public static func brandProblem(_ brand: String, length: ClosedRange<Int> = brandLength) -> String? {
        guard length.contains(brand.unicodeScalars.count) else {
            return "\(length.lowerBound) to \(length.upperBound) characters"
        }
        for scalar in brand.unicodeScalars {
            // Printable ASCII is none of the categories below (and asking costs a table lookup).
            if scalar.value >= 0x20 && scalar.value < 0x7F { continue }
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                return "printable characters only"
            case .format where scalar.value != 0x200C && scalar.value != 0x200D:
                // Format characters are the bidi marks, overrides and isolates, and invisible
                // ones; the zero-width (non-)joiners stay, for emoji and scripts that need them.
                return "printable characters only, no direction marks"
            default:
                continue
            }
        }
        return nil
    }

    /// Reads and validates API parameters; `value(name)` is nil when the parameter is absent.
    /// Missing → status 2, present but wrong → status 3, as Vonage answers.
    public static func parse(_ value: (String) -> String?) throws -> VerifyStart {
        guard let rawNumber = value("number"), !rawNumber.isEmpty else { throw VerifyError.missing("number") }
        guard let brand = value("brand"), !brand.isEmpty else { throw VerifyError.missing("brand") }
        // Vonage takes the number in international format, with or without the +; or national,
        // with `country` (ISO 3166-1 alpha-2) saying where.
        guard PhoneNumber.isAPIForm(rawNumber) else { throw VerifyError.invalid("number") }
        var international = rawNumber
        if let country = value("country"), !country.isEmpty {
            guard let formatted = nationalNumber(rawNumber, country: country) else { throw VerifyError.invalid("country") }
            international = formatted
        }
        guard case .success(let number) = PhoneNumber.normalize(international) else { throw VerifyError.invalid("number") }
        if let problem = brandProblem(brand) {
            throw VerifyError(.invalidParameter, "Invalid value for param: brand (\(problem))")
        }
        var start = VerifyStart(number: number, brand: brand)
        start.language = VerifyLanguage.forNumber(number)
        if let lg = value("lg"), !lg.isEmpty {
            // Vonage's `lg` codes ("de-de"); any other spelling of ours is refused.
            guard lg == lg.lowercased(), let language = VerifyLanguage(rawValue: lg) else { throw VerifyError.invalid("lg") }
            start.language = language
        }
        if let sender = value("sender_id"), !sender.isEmpty {
            guard sender.count <= 11, sender.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw VerifyError.invalid("sender_id")
            }
            start.senderID = sender
        }
        func integer(_ name: String, allowed: (Int) -> Bool) throws -> Int? {
            guard let text = value(name), !text.isEmpty else { return nil }
            guard let n = Int(text), allowed(n) else { throw VerifyError.invalid(name) }
            return n
        }
        if let n = try integer("code_length", allowed: codeLengths.contains) { start.codeLength = n }
        let expiry = try integer("pin_expiry", allowed: pinExpiryRange.contains)
        let wait = try integer("next_event_wait", allowed: nextEventWaitRange.contains)
        if let n = try integer("workflow_id", allowed: Workflow.ids.contains) { start.workflow = Workflow(id: n)! }
        if let wait { start.nextEventWait = wait }
        if let code = value("pin_code"), !code.isEmpty {
            guard isCustomCode(code) else { throw VerifyError.invalid("pin_code") }
            start.customCode = code
        }
        if let expiry {
            // Vonage: with both given, pin_expiry must be an exact multiple of next_event_wait.
            if let wait, expiry % wait != 0 { throw VerifyError.invalid("pin_expiry") }
            start.pinExpiry = expiry
        }
        return start
    }

    /// `/verify/psd2/json`: `payee` (1–18 printable characters) and `amount` (euros) besides
    /// the usual parameters (its `brand` is the payee: the text names the payment, not a brand).
    public static func parsePSD2(_ value: (String) -> String?) throws -> VerifyStart {
        guard let payee = value("payee"), !payee.isEmpty else { throw VerifyError.missing("payee") }
        guard let rawAmount = value("amount"), !rawAmount.isEmpty else { throw VerifyError.missing("amount") }
        if let problem = brandProblem(payee, length: Payment.payeeLength) {
            throw VerifyError(.invalidParameter, "Invalid value for param: payee (\(problem))")
        }
        guard let amount = Payment.amount(rawAmount) else { throw VerifyError.invalid("amount") }
        var start = try parse { name in name == "brand" ? payee : value(name) }
        start.payment = Payment(payee: payee, amount: amount)
        return start
    }

    /// A national number made international with its country's calling code: "07700 900123" in
    /// GB is 447700900123. Already international (`+`, `00`, or the calling code first) stays.
    /// The trunk 0 goes, except in Italy and San Marino, whose numbers keep it after +39 / +378.
    static func nationalNumber(_ number: String, country: String) -> String? {
        guard country.count == 2, let code = CallingCodes.callingCode(of: country) else { return nil }
        if number.hasPrefix("+") { return number }
        if number.hasPrefix("00") { return "+" + number.dropFirst(2) }
        let keepsZero = ["IT", "SM"].contains(country.uppercased())
        if number.hasPrefix("0") { return "+" + code + (keepsZero ? number : String(number.dropFirst())) }
        if number.hasPrefix(code) { return "+" + number }
        return "+" + code + number
    }
}
