import App
import Foundation
import Verify
import TestSupport
import XCTest

/// The real server sends a code by e-mail to a real SMTP server (aiosmtpd, STARTTLS + AUTH,
/// configured by SMTP_URL / SMTP_FROM / SMTP_CA_FILE as an operator would); an outage fails
/// the start with a clear error, leaves nothing counted, and the next start goes through.
final class EmailDeliveryTests: XCTestCase {
    var mail: SMTPTestServer!
    var server: TestServer!

    override func setUpWithError() throws {
        mail = try SMTPTestServer(tls: .starttls)
        server = try TestServer(environment: [
            "SMTP_URL": "smtp://\(mail.user):\(mail.password)@localhost:\(mail.port)",
            "SMTP_FROM": "codes@twofa.test",
            "SMTP_CA_FILE": SMTPTestServer.certificate.cert,
        ])
    }

    override func tearDown() {
        server?.stop()
        mail?.stop()
    }

    private func start() throws -> String {
        var start = VerifyStart(email: "erin@example.com", brand: "AcmeApp")
        start.replacesLiveRequest = true
        return try server.app.verify.start(start, accountID: "smtp-test", ip: "", now: server.clock.now())
    }

    func testACodeReachesARealSMTPServerAndChecks() throws {
        let id = try start()
        let received = try XCTUnwrap(mail.messages().first)
        XCTAssertTrue(received.tls)
        XCTAssertTrue(received.authenticated)
        XCTAssertEqual(received.recipients, ["erin@example.com"])
        let subject = try XCTUnwrap(received.data.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") })
        let pin = try XCTUnwrap(TestServer.pin(in: subject))
        XCTAssertEqual(subject, "Subject: \(pin) is your AcmeApp code")
        XCTAssertTrue(received.data.contains("Auto-Submitted: auto-generated"))
        XCTAssertTrue(received.data.contains("From: \"AcmeApp\" <codes@twofa.test>") || received.data.contains("<codes@twofa.test>"))
        _ = try server.app.verify.check(requestID: id, code: pin, accountID: "smtp-test", ip: "", now: server.clock.now())
        XCTAssertEqual(server.messages().count, 0, "with SMTP_URL nothing goes to the outbox")
    }

    func testAnOutageIsAClearErrorAndDeliveryRecovers() throws {
        mail.stop()
        XCTAssertThrowsError(try start()) { error in
            XCTAssertEqual((error as? VerifyError)?.status, .internalError)
            XCTAssertEqual((error as? VerifyError)?.text, "Internal Error: the code could not be delivered")
        }
        let failed = try server.app.database.read {
            try $0.queryOne("SELECT count(*) AS n FROM verify_events WHERE status = 'failed' AND type = 'email'")?.int("n")
        }
        XCTAssertEqual(failed, 1, "the event is recorded as failed, so it doesn't count toward the limits")
        try mail.restart()
        _ = try start()
        XCTAssertEqual(mail.messages().count, 1)
    }
}
