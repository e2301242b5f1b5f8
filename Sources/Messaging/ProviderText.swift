import Foundation
import Support

/// Provider error texts go into logs, and providers like to quote the number back
/// ("The 'To' number +447700900000 is not valid"). This masks every run of 6 or more
/// digits with `Redact.phone` and keeps the text short.
enum ProviderText {
    static func scrub(_ text: String, limit: Int = 200) -> String {
        var out = ""
        var run = ""
        func flush() {
            let digits = run.filter(\.isNumber)
            out += digits.count >= 6 ? Redact.phone(digits) : run
            run = ""
        }
        for ch in text {
            if ch.isASCII && (ch.isNumber || (ch == "+" && run.isEmpty)) {
                run.append(ch)
            } else {
                flush()
                out.append(ch.isNewline ? " " : ch)
            }
        }
        flush()
        return out.count > limit ? String(out.prefix(limit)) + "…" : out
    }

    /// Digits only: Vonage wants `447700900000` where E.164 writes `+447700900000`.
    static func digits(_ number: String) -> String {
        number.filter { $0.isASCII && $0.isNumber }
    }
}
