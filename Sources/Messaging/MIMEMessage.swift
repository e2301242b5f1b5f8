import Foundation
import Support

/// An `EmailMessage` as the bytes of an Internet message (RFC 5322 + MIME): headers, then a
/// multipart/alternative body with the plain text first and the HTML last (clients show the
/// last part they understand).
///
/// Header injection is impossible by construction: the addresses passed `EmailAddress.problem`
/// (no CR, LF, `<`, `>` or spaces), and every free text (subject, display name) goes out as
/// RFC 2047 encoded words whenever it holds anything but printable ASCII, so no line break
/// can reach a header. Bodies are base64 (any UTF-8, lines of 76).
public struct MIMEMessage {
    public let headers: [(String, String)]
    public let body: String

    /// `from` is the envelope and header sender (already validated); `fromName` the display
    /// name; `messageID` the id without angle brackets.
    public init(_ message: EmailMessage, from: String, fromName: String, messageID: String, date: Date) {
        let boundary = "=_twofa_" + Self.randomToken()
        headers = [
            ("Date", Self.rfc5322Date(date)),
            ("From", fromName.isEmpty ? "<\(from)>" : "\(Self.phrase(fromName)) <\(from)>"),
            ("To", "<\(message.to)>"),
            ("Subject", Self.encodedWords(message.subject)),
            ("Message-ID", "<\(messageID)>"),
            ("MIME-Version", "1.0"),
            // RFC 3834: a machine's message; auto-responders (vacation replies) stay quiet.
            ("Auto-Submitted", "auto-generated"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
        ]
        body = [
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(message.text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(message.html),
            "--\(boundary)--",
            "",
        ].joined(separator: "\r\n")
    }

    /// Headers and body, CRLF line ends, as written after DATA (before dot-stuffing).
    public var text: String {
        headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n" + body
    }

    /// The DATA payload: every line that starts with "." gets another (RFC 5321 §4.5.2), so a
    /// line holding only "." can never end the message early; then the terminating "\r\n.\r\n".
    public static func dataPayload(_ text: String) -> [UInt8] {
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        let stuffed = lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return Array((stuffed.joined(separator: "\r\n") + "\r\n.\r\n").utf8)
    }

    /// `Mon, 30 Nov 2026 15:04:05 +0000`, always in UTC.
    public static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d +0000", days[Int(parts.tm_wday)], parts.tm_mday,
                      months[Int(parts.tm_mon)], Int(parts.tm_year) + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// Printable ASCII as it is; anything else (non-ASCII, a control character, a line break)
    /// as `=?utf-8?B?…?=` words of at most 45 bytes each, split on character boundaries.
    static func encodedWords(_ text: String, always: Bool = false) -> String {
        if !always && text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        var words: [String] = []
        var chunk = [UInt8]()
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 && !chunk.isEmpty {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A display name: a quoted string when it is plain ASCII, encoded words otherwise.
    static func phrase(_ name: String) -> String {
        let plain = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        return plain ? "\"\(name)\"" : encodedWords(name, always: true)
    }

    static func base64Lines(_ text: String) -> String {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[start..<end])
            start = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// 16 random bytes as hex, from the system CSPRNG (boundaries and Message-IDs must not be guessable).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
