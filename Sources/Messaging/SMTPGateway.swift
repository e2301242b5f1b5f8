import Dispatch
import Foundation
import Support

/// Sends e-mail over SMTP (RFC 5321) on our own socket, TLS by OpenSSL: EHLO, STARTTLS or
/// implicit TLS, AUTH PLAIN (or LOGIN when that is all the server offers), MAIL/RCPT/DATA.
///
/// Bounded like the SMS gateways (`RetryPolicy`): each attempt has its deadline, retried after
/// a 4xx reply, a timeout or a dropped connection; never after a 5xx reply (the server refused
/// for good: a wrong password, an unknown mailbox) or an untrusted certificate. A repeated
/// attempt carries the same code, so a duplicate mail is harmless while a lost one locks out.
/// Logs show the server and the reply code only: never the password, the body or the address.
public final class SMTPGateway: EmailGateway, @unchecked Sendable {
    public let settings: SMTPSettings
    public let policy: RetryPolicy
    private let tls: TLSClientContext?

    /// Longer than an HTTP provider's: one attempt is several round trips and a TLS handshake.
    public static let defaultPolicy = RetryPolicy(timeout: 10, maxAttempts: 3, initialBackoff: 0.5, totalBudget: 25)

    public init(settings: SMTPSettings, policy: RetryPolicy = SMTPGateway.defaultPolicy) throws {
        self.settings = settings
        self.policy = policy
        do {
            tls = settings.security == .none ? nil : try TLSClientContext(caFile: settings.caFile)
        } catch {
            throw DeliveryError.unsent(reason: "SMTP_CA_FILE: cannot load the trusted certificates")
        }
    }

    public func send(_ message: EmailMessage) throws -> DeliveryReceipt {
        try BlockingGuard.check()
        if let problem = EmailAddress.problem(message.to) { throw DeliveryError.unsent(reason: "bad recipient address (\(problem))") }
        let label = "e-mail to \(EmailAddress.redact(message.to)) via \(settings.host):\(settings.port)"
        let domain = settings.from.split(separator: "@").last.map(String.init) ?? "localhost"
        let messageID = MIMEMessage.randomToken() + "@" + domain
        // Built once: a retry sends the very same message (same Message-ID, receivers may dedupe).
        let mime = MIMEMessage(message, from: settings.from, fromName: settings.fromName, messageID: messageID, date: Date())
        let payload = MIMEMessage.dataPayload(mime.text)
        return try policy.run(label) { attempt in
            do {
                try deliverOnce(to: message.to, payload: payload, helo: domain)
                Log.info("\(label): accepted")
                return .done(DeliveryReceipt(provider: "smtp", messageID: messageID))
            } catch SMTPFailure.reply(let code, let text) {
                return code < 500 ? .failed(.unavailable(reason: "SMTP \(code) \(text)", attempts: attempt), retryable: true)
                                  : .failed(.rejected(status: code, reason: "SMTP \(code) \(text)"), retryable: false)
            } catch SMTPFailure.timedOut {
                return .failed(.timedOut(attempts: attempt), retryable: true)
            } catch SMTPFailure.network(let reason, let permanent) {
                return .failed(.network(reason: reason, attempts: attempt), retryable: !permanent)
            }
        }
    }

    /// One SMTP session, from connect to QUIT, within `policy.timeout`.
    private func deliverOnce(to recipient: String, payload: [UInt8], helo: String) throws {
        let connection = try SMTPConnection(host: settings.host, port: settings.port,
                                            deadline: .now() + policy.timeout)
        defer { connection.close() }
        if settings.security == .implicitTLS, let tls { try connection.startTLS(tls, host: settings.host) }
        try expect(connection.readReply(), 220)
        var extensions = try hello(connection, helo)
        if settings.security == .starttls, let tls {
            // Required, never optional: a server (or someone between) that hides it gets nothing.
            guard extensions.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SMTPFailure.network("the server does not offer STARTTLS", permanent: true)
            }
            try connection.send("STARTTLS")
            try expect(connection.readReply(), 220)
            try connection.startTLS(tls, host: settings.host)
            extensions = try hello(connection, helo)   // RFC 3207: forget what was said in the clear
        }
        if !settings.username.isEmpty { try authenticate(connection, extensions: extensions) }
        try connection.send("MAIL FROM:<\(settings.from)>")
        try expect(connection.readReply(), 250)
        try connection.send("RCPT TO:<\(recipient)>")
        try expect(connection.readReply(), 250, 251)
        try connection.send("DATA")
        try expect(connection.readReply(), 354)
        try connection.write(payload)
        try expect(connection.readReply(), 250)
        // The message is the server's now: a failed QUIT changes nothing.
        try? connection.send("QUIT")
        _ = try? connection.readReply()
    }

    /// EHLO; returns the extension keywords with their parameters ("AUTH PLAIN LOGIN", "STARTTLS").
    private func hello(_ connection: SMTPConnection, _ name: String) throws -> [String] {
        try connection.send("EHLO \(name)")
        let reply = try connection.readReply()
        try expect(reply, 250)
        return Array(reply.lines.dropFirst())
    }

    /// AUTH PLAIN (RFC 4616) when offered, else AUTH LOGIN. The credentials go only in the
    /// commands, never in a log line or an error.
    private func authenticate(_ connection: SMTPConnection, extensions: [String]) throws {
        let mechanisms = extensions.first { $0.uppercased().hasPrefix("AUTH ") || $0.uppercased().hasPrefix("AUTH=") }
            .map { $0.dropFirst(5).uppercased().split(separator: " ").map(String.init) } ?? []
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            try connection.send("AUTH PLAIN " + base64("\u{0}\(settings.username)\u{0}\(settings.password)"))
        } else if mechanisms.contains("LOGIN") {
            try connection.send("AUTH LOGIN")
            try expect(connection.readReply(), 334)
            try connection.send(base64(settings.username))
            try expect(connection.readReply(), 334)
            try connection.send(base64(settings.password))
        } else {
            throw SMTPFailure.network("the server offers neither AUTH PLAIN nor AUTH LOGIN", permanent: true)
        }
        try expect(connection.readReply(), 235)
    }

    /// The reply's code must be one of `codes`; otherwise it fails with the code and the
    /// server's enhanced status (e.g. 5.7.8), not its free text, which may echo an address.
    private func expect(_ reply: SMTPReply, _ codes: Int...) throws {
        guard codes.contains(reply.code) else {
            let first = reply.lines.first ?? ""
            let enhanced = first.split(separator: " ").first.map(String.init)
                .flatMap { $0.range(of: #"^[245]\.\d{1,3}\.\d{1,3}$"#, options: .regularExpression) != nil ? $0 : nil } ?? ""
            throw SMTPFailure.reply(code: reply.code, text: enhanced)
        }
    }
}
