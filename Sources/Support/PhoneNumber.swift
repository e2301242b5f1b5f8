/// Turns what people type into E.164 (`+447700900000`), or says why it can't.
/// Accepts `+44 7700 900000`, `447700900000`, `(+1) 202-555-0123`: digits with spaces,
/// dots, dashes and parentheses, and at most one `+` before the first digit.
public enum PhoneNumber {
    public static let minimumDigits = 8
    public static let maximumDigits = 15   // E.164's ceiling

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty, invalidCharacters, misplacedPlus, tooShort, tooLong, leadingZero

        public var description: String {
            switch self {
            case .empty: return "Enter your phone number, starting with the country code"
            case .invalidCharacters: return "Use only digits, spaces and + - ( ) in a phone number"
            case .misplacedPlus: return "A + can only come before the country code"
            case .tooShort: return "That number is too short: include the country code (at least \(minimumDigits) digits)"
            case .tooLong: return "That number is too long: at most \(maximumDigits) digits including the country code"
            case .leadingZero: return "Start with the country code (like +44), not 0"
            }
        }
    }

    public static func normalize(_ input: String) -> Result<String, Problem> {
        let text = input.trimmingWhitespace()
        if text.isEmpty { return .failure(.empty) }
        var digits = ""
        digits.reserveCapacity(16)
        var sawPlus = false
        for ch in text.unicodeScalars {
            switch ch {
            case "0"..."9": digits.unicodeScalars.append(ch)
            case "+":
                if sawPlus || !digits.isEmpty { return .failure(.misplacedPlus) }
                sawPlus = true
            case " ", "-", ".", "(", ")", "\u{00A0}": continue
            default: return .failure(.invalidCharacters)
            }
        }
        // ASCII digits only: counting bytes counts them (Character counting walks grapheme rules).
        if digits.utf8.first == UInt8(ascii: "0") { return .failure(.leadingZero) }
        if digits.utf8.count < minimumDigits { return .failure(.tooShort) }
        if digits.utf8.count > maximumDigits { return .failure(.tooLong) }
        return .success("+" + digits)
    }

    /// A number as an API sends it: E.164 with or without the `+`, nothing else (no spaces or
    /// punctuation, which only people type). Nil otherwise.
    public static func fromAPI(_ input: String) -> String? {
        guard isAPIForm(input), case .success(let number) = normalize(input) else { return nil }
        return number
    }

    /// Whether `input` is non-empty and only ASCII digits and `+`: the characters an API may
    /// send in a number. Byte by byte (it is on every Verify start).
    public static func isAPIForm(_ input: String) -> Bool {
        !input.isEmpty && input.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "+") }
    }
}

extension String {
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
