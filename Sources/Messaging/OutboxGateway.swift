import Foundation
import Support

/// The development gateway: appends one JSON object per message to a file, so a
/// developer (or a test) reads the PIN there instead of paying for an SMS.
/// Line format (a contract; see README): {"to","channel","body","sent_at"}, where
/// `channel` is "sms" for a text and "voice" for a call (`body` is then the spoken text), and
/// "email" for an e-mail: `to` is then the address, `body` the plain text, and `subject` and
/// `html` are added.
public final class OutboxGateway: SMSGateway, VoiceGateway, EmailGateway, @unchecked Sendable {
    public let path: String
    private let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    public func send(_ message: SMSMessage) throws {
        try append(Self.line(to: message.to, channel: "sms", body: message.body))
        Log.info("SMS to \(Redact.phone(message.to)) written to the outbox \(path)")
    }

    public func deliver(_ message: SMSMessage) throws -> DeliveryReceipt {
        try send(message)
        return DeliveryReceipt(provider: "outbox", messageID: nil)
    }

    public func call(_ call: VoiceCall) throws -> DeliveryReceipt {
        try append(Self.line(to: call.to, channel: "voice", body: call.text))
        Log.info("voice call to \(Redact.phone(call.to)) written to the outbox \(path)")
        return DeliveryReceipt(provider: "outbox", messageID: nil)
    }

    public func send(_ message: EmailMessage) throws -> DeliveryReceipt {
        if let problem = EmailAddress.problem(message.to) { throw DeliveryError.unsent(reason: "bad recipient address (\(problem))") }
        try append(JSON.object([("to", message.to), ("channel", "email"), ("body", message.text), ("sent_at", Timestamp.iso8601(Date())),
                                ("subject", message.subject), ("html", message.html)]) + "\n")
        Log.info("e-mail to \(EmailAddress.redact(message.to)) written to the outbox \(path)")
        return DeliveryReceipt(provider: "outbox", messageID: nil)
    }

    static func line(to: String, channel: String, body: String) -> String {
        JSON.object([("to", to), ("channel", channel), ("body", body), ("sent_at", Timestamp.iso8601(Date()))]) + "\n"
    }

    /// One write(2) per line on an O_APPEND descriptor, so lines from concurrent
    /// senders (or processes) never interleave.
    private func append(_ line: String) throws {
        lock.lock(); defer { lock.unlock() }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SMSDeliveryError("cannot open outbox \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SMSDeliveryError("cannot write outbox \(path)") }
    }
}
