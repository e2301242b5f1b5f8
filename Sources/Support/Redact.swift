/// Masks for values that may appear in logs or pages only in part.
public enum Redact {
    /// `+447700900000` → `+44 ••••••• 000`: the country calling code and the last
    /// three digits only, so a person recognises their number and a log reader learns
    /// nothing useful.
    public static func phone(_ e164: String, bullet: String = "•") -> String {
        // One pass into one buffer, no intermediate arrays: this runs on every page that
        // shows the number.
        var source = e164, bullet = bullet
        return source.withUTF8 { input in
            bullet.withUTF8 { mark in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: input.count) { digits in
                    var count = 0
                    for byte in input where byte >= 0x30 && byte <= 0x39 {
                        digits[count] = byte
                        count += 1
                    }
                    let code = countryCodeLength(UnsafeBufferPointer(rebasing: digits[..<count]))
                    let shown = count >= code + 5
                    let hidden = shown ? count - code - 3 : count
                    return String(unsafeUninitializedCapacity: 3 + code + 3 + hidden * mark.count) { out in
                        var at = 0
                        func put(_ byte: UInt8) { out[at] = byte; at += 1 }
                        put(UInt8(ascii: "+"))
                        if shown {
                            for i in 0..<code { put(digits[i]) }
                            put(UInt8(ascii: " "))
                        }
                        for _ in 0..<hidden { for byte in mark { put(byte) } }
                        if shown {
                            put(UInt8(ascii: " "))
                            for i in (count - 3)..<count { put(digits[i]) }
                        }
                        return at
                    }
                }
            }
        }
    }

    /// Length of the ITU-T E.164 country calling code at the start of `digits` (ASCII).
    /// Zones 1 and 7 use one digit; the two-digit codes are listed; the rest use three.
    static func countryCodeLength(_ digits: UnsafeBufferPointer<UInt8>) -> Int {
        guard let first = digits.first else { return 0 }
        if first == UInt8(ascii: "1") || first == UInt8(ascii: "7") { return 1 }
        guard digits.count >= 2 else { return 3 }
        switch Int(first - 0x30) * 10 + Int(digits[1] - 0x30) {
        case 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
             51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86,
             90, 91, 92, 93, 94, 95, 98:
            return 2
        default:
            return 3
        }
    }
}
