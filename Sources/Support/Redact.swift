/// Masks for values that may appear in logs or pages only in part.
public enum Redact {
    /// `+447700900000` → `+44 ••••••• 000`: the country calling code and the last
    /// three digits only, so a person recognises their number and a log reader learns
    /// nothing useful.
    public static func phone(_ e164: String, bullet: String = "•") -> String {
        // Built as bytes, not Characters or concatenated Strings: this runs on every page
        // that shows the number.
        let digits = e164.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }
        let codeLength = countryCodeLength(digits)
        let bulletBytes = Array(bullet.utf8)
        var out: [UInt8] = [UInt8(ascii: "+")]
        guard digits.count >= codeLength + 5 else {
            for _ in 0..<digits.count { out += bulletBytes }
            return String(decoding: out, as: UTF8.self)
        }
        out.reserveCapacity(digits.count * bulletBytes.count + 8)
        out += digits[..<codeLength]
        out.append(UInt8(ascii: " "))
        for _ in 0..<(digits.count - codeLength - 3) { out += bulletBytes }
        out.append(UInt8(ascii: " "))
        out += digits[(digits.count - 3)...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Length of the ITU-T E.164 country calling code at the start of `digits` (ASCII).
    /// Zones 1 and 7 use one digit; the two-digit codes are listed; the rest use three.
    static func countryCodeLength(_ digits: [UInt8]) -> Int {
        guard let first = digits.first else { return 0 }
        if first == UInt8(ascii: "1") || first == UInt8(ascii: "7") { return 1 }
        guard digits.count >= 2 else { return 3 }
        let code = Int(first - 0x30) * 10 + Int(digits[1] - 0x30)
        return twoDigitCodes.contains(code) ? 2 : 3
    }

    private static let twoDigitCodes: Set<Int> = [
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
        51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86,
        90, 91, 92, 93, 94, 95, 98,
    ]
}
