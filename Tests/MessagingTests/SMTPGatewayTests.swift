import Foundation
import XCTest
@testable import Messaging
import TestSupport

/// The SMTP gateway against a real SMTP server (aiosmtpd): every TLS mode, both AUTH
/// mechanisms, and how it fails and recovers.
final class SMTPGatewayTests: XCTestCase {
    let fast = RetryPolicy(timeout: 5, maxAttempts: 3, initialBackoff: 0.01, multiplier: 2, maxBackoff: 0.05, totalBudget: 20)
    let logs = LogCapture()
    let message = EmailMessage(to: "alice@example.com", subject: "481516 is your twofa code",
                               text: "Your twofa code is 481516.\n.\nIt expires in 5 minutes.",
                               html: "<p>Your twofa code is <b>481516</b>.</p>")

    override func setUp() { super.setUp(); logs.start() }
    override func tearDown() { logs.stop(); super.tearDown() }

    private func gateway(_ server: SMTPTestServer, security: SMTPSettings.Security, auth: Bool = true, trust: Bool = true,
                         password: String? = nil) throws -> SMTPGateway {
        let settings = SMTPSettings(host: "localhost", port: server.port, username: auth ? server.user : "",
                                    password: auth ? (password ?? server.password) : "", security: security,
                                    from: "codes@twofa.test", fromName: "twofa", caFile: trust ? SMTPTestServer.certificate.cert : "")
        return try SMTPGateway(settings: settings, policy: fast)
    }

    /// The message as received: one multipart/alternative with the text and the HTML, the
    /// code in the subject, and the headers an automatic message needs.
    private func assertWellFormed(_ received: SMTPTestServer.Message, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(received.mailFrom, "codes@twofa.test", file: file, line: line)
        XCTAssertEqual(received.recipients, ["alice@example.com"], file: file, line: line)
        let data = received.data.replacingOccurrences(of: "\r\n", with: "\n")
        for header in ["Subject: 481516 is your twofa code", "From: \"twofa\" <codes@twofa.test>", "To: <alice@example.com>",
                       "Auto-Submitted: auto-generated", "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary="] {
            XCTAssertTrue(data.contains("\n" + header) || data.hasPrefix(header), "missing \(header)", file: file, line: line)
        }
        XCTAssertNotNil(data.range(of: #"(^|\n)Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\n"#, options: .regularExpression),
                        file: file, line: line)
        XCTAssertNotNil(data.range(of: #"\nMessage-ID: <[0-9a-f]{32}@twofa\.test>\n"#, options: .regularExpression), file: file, line: line)
        // Decode the two parts back.
        let parts = data.components(separatedBy: "Content-Transfer-Encoding: base64\n\n").dropFirst().map {
            String(decoding: Data(base64Encoded: $0.components(separatedBy: "\n--").first!.replacingOccurrences(of: "\n", with: "")) ?? Data(),
                   as: UTF8.self)
        }
        XCTAssertEqual(parts, [message.text, message.html], file: file, line: line)
        XCTAssertTrue(data.contains("Content-Type: text/plain; charset=utf-8"), file: file, line: line)
        XCTAssertTrue(data.contains("Content-Type: text/html; charset=utf-8"), file: file, line: line)
    }

    private func assertNoSecretsLogged(_ server: SMTPTestServer, file: StaticString = #filePath, line: UInt = #line) {
        let secrets = [server.password, Data("\u{0}\(server.user)\u{0}\(server.password)".utf8).base64EncodedString(),
                       Data(server.password.utf8).base64EncodedString(), "481516", "alice@"]
        XCTAssertEqual(logs.lines(containingAnyOf: secrets), [], file: file, line: line)
    }

    func testStartTLSWithAuthPlainDeliversTheMessage() throws {
        let server = try SMTPTestServer(tls: .starttls)
        let receipt = try gateway(server, security: .starttls).send(message)
        XCTAssertEqual(receipt.provider, "smtp")
        let received = try XCTUnwrap(server.messages().first)
        XCTAssertTrue(received.tls, "the message must have gone under TLS")
        XCTAssertTrue(received.authenticated)
        assertWellFormed(received)
        XCTAssertTrue(received.data.contains("Message-ID: <\(receipt.messageID ?? "-")>"))
        assertNoSecretsLogged(server)
    }

    func testImplicitTLSWithAuthDeliversTheMessage() throws {
        let server = try SMTPTestServer(tls: .implicit)
        _ = try gateway(server, security: .implicitTLS).send(message)
        let received = try XCTUnwrap(server.messages().first)
        XCTAssertTrue(received.tls)
        XCTAssertTrue(received.authenticated)
        assertWellFormed(received)
        assertNoSecretsLogged(server)
    }

    func testAuthLoginWhenTheServerOffersNoPlain() throws {
        let server = try SMTPTestServer(tls: .starttls, loginOnly: true)
        _ = try gateway(server, security: .starttls).send(message)
        XCTAssertEqual(server.messages().map(\.authenticated), [true])
        assertNoSecretsLogged(server)
    }

    func testPlainConnectionWithoutTLSOrAuth() throws {
        let server = try SMTPTestServer(tls: .none, auth: false)
        _ = try gateway(server, security: .none, auth: false).send(message)
        let received = try XCTUnwrap(server.messages().first)
        XCTAssertFalse(received.tls)
        assertWellFormed(received)
    }

    func testStartTLSIsRequiredNeverSkipped() throws {
        let server = try SMTPTestServer(tls: .none)
        XCTAssertThrowsError(try gateway(server, security: .starttls).send(message)) { error in
            XCTAssertEqual(error as? DeliveryError, .network(reason: "the server does not offer STARTTLS", attempts: 1))
        }
        XCTAssertEqual(server.messages().count, 0)
    }

    func testAnUntrustedCertificateIsRefusedAtOnce() throws {
        let server = try SMTPTestServer(tls: .implicit)
        XCTAssertThrowsError(try gateway(server, security: .implicitTLS, trust: false).send(message)) { error in
            guard case .network(let reason, let attempts) = error as? DeliveryError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("TLS certificate not trusted"), reason)
            XCTAssertEqual(attempts, 1)
        }
        XCTAssertEqual(server.messages().count, 0)
        assertNoSecretsLogged(server)
    }

    func testAWrongPasswordIsRejectedNotRetried() throws {
        let server = try SMTPTestServer(tls: .starttls)
        XCTAssertThrowsError(try gateway(server, security: .starttls, password: "wrong-password").send(message)) { error in
            guard case .rejected(let status, _) = error as? DeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 535)
        }
        XCTAssertEqual(logs.lines.filter { $0.contains("attempt") }, [], "a 5xx is not retried")
        XCTAssertEqual(logs.lines(containingAnyOf: ["wrong-password", server.password]), [])
    }

    func testATemporaryRefusalIsRetried() throws {
        let server = try SMTPTestServer(tls: .starttls, failData: 1)
        _ = try gateway(server, security: .starttls).send(message)
        XCTAssertEqual(server.messages().count, 1)
        XCTAssertEqual(logs.lines.filter { $0.contains("attempt 1 of 3 failed") && $0.contains("SMTP 451 4.3.0") }.count, 1,
                       logs.lines.joined(separator: "\n"))
    }

    func testAnUnknownMailboxIsRejectedWithoutEchoingTheAddress() throws {
        let server = try SMTPTestServer(tls: .none, auth: false, rejectRecipients: true)
        XCTAssertThrowsError(try gateway(server, security: .none, auth: false).send(message)) { error in
            XCTAssertEqual(error as? DeliveryError, .rejected(status: 550, reason: "SMTP 550 5.1.1"))
        }
        assertNoSecretsLogged(server)
    }

    func testAnOutageFailsClearlyAndDeliveryRecovers() throws {
        let server = try SMTPTestServer(tls: .starttls)
        let gateway = try gateway(server, security: .starttls)
        server.stop()
        XCTAssertThrowsError(try gateway.send(message)) { error in
            XCTAssertEqual(error as? DeliveryError, .network(reason: "connection refused", attempts: 3))
            XCTAssertEqual("\(error)", "cannot reach the provider: connection refused (3 attempts)")
        }
        try server.restart()
        _ = try gateway.send(message)
        XCTAssertEqual(server.messages().count, 1)
    }
}
