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

    public static let brandLength = 1...18
    public static let codeLengths: Set<Int> = [4, 6]
    public static let pinExpiryRange = 60...3600
    public static let nextEventWaitRange = 60...900

    public init(number: String, brand: String) { self.number = number; self.brand = brand }

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
        // Vonage takes the number in international format, with or without the +.
        guard case .success(let number) = PhoneNumber.normalize(rawNumber),
              rawNumber.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+") }) else { throw VerifyError.invalid("number") }
        if let problem = brandProblem(brand) {
            throw VerifyError(.invalidParameter, "Invalid value for param: brand (\(problem))")
        }
        var start = VerifyStart(number: number, brand: brand)
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
        if let expiry {
            // Vonage: with both given, pin_expiry must be an exact multiple of next_event_wait.
            if let wait, expiry % wait != 0 { throw VerifyError.invalid("pin_expiry") }
            start.pinExpiry = expiry
        }
        return start
    }
}
