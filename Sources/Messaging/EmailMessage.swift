import Foundation

/// An e-mail to one address: a one-time code with its subject, plain text and HTML.
/// `to` must pass `EmailAddress.problem` (the gateways refuse it otherwise).
public struct EmailMessage: Sendable, Equatable {
    public let to: String
    public let subject: String
    public let text: String
    public let html: String

    public init(to: String, subject: String, text: String, html: String) {
        self.to = to; self.subject = subject; self.text = text; self.html = html
    }
}

/// Sends e-mails. Like `SMSGateway`, it blocks until the server has taken the message (or
/// the bounded retries have run out), so call it from a worker thread; implementations never
/// log the body (it holds a code), the full address or a credential.
public protocol EmailGateway: Sendable {
    func send(_ message: EmailMessage) throws -> DeliveryReceipt
}

/// The addresses we send to, and how logs show them.
public enum EmailAddress {
    public static let maxLength = 254

    /// Why `address` can't be an envelope recipient or a `To:` header, or nil. Deliberately
    /// narrower than RFC 5321: one `local@domain` of printable ASCII with no spaces, quotes,
    /// angle brackets, commas or semicolons, so it can never break out of `RCPT TO:<…>` or a
    /// header line (no CR/LF can pass), and a dotted domain of letters, digits and hyphens.
    public static func problem(_ address: String) -> String? {
        guard !address.isEmpty, address.utf8.count <= maxLength else { return "1 to \(maxLength) characters" }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return "one name@domain" }
        let localAllowed = "!#$%&'*+-/=?^_`{|}~."
        guard parts[0].unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                                                   || localAllowed.unicodeScalars.contains($0)) }),
              !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains("..") else {
            return "letters, digits and .!#$%&'*+-/=?^_`{|}~ before the @"
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }) else { return "a domain such as example.com after the @" }
        return nil
    }

    /// Whether a Verify destination is an e-mail address rather than a phone number: it holds
    /// an @, which no number does. A byte test: `destination.contains("@")` resolves to
    /// Foundation's substring search through NSString, about 7,400 instructions on every start.
    public static func isDestination(_ destination: String) -> Bool {
        destination.utf8.contains(UInt8(ascii: "@"))
    }

    /// The address as one, trimmed, with its domain lowercased (domains are case-insensitive;
    /// the local part is the receiving server's business, so it stays as typed).
    public static func normalize(_ address: String) -> String {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard let at = trimmed.lastIndex(of: "@") else { return trimmed }
        return String(trimmed[..<at]) + "@" + trimmed[trimmed.index(after: at)...].lowercased()
    }

    /// `alice@example.com` → `a•••@example.com`: enough for the owner to recognise it, not
    /// enough for a log reader to write to it.
    public static func redact(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return "•••" }
        return String(address[address.startIndex]) + "•••" + address[at...]
    }
}
