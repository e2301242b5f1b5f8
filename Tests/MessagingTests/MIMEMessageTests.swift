import Foundation
import XCTest
@testable import Messaging

final class MIMEMessageTests: XCTestCase {
    func testDotStuffingKeepsALoneDotFromEndingTheData() {
        let payload = String(decoding: MIMEMessage.dataPayload("a\r\n.\r\n..b\r\nc\r\n"), as: UTF8.self)
        XCTAssertEqual(payload, "a\r\n..\r\n...b\r\nc\r\n.\r\n")
    }

    func testNoLineBreakInASubjectOrNameReachesTheHeaders() {
        let message = EmailMessage(to: "bob@example.com", subject: "123456\r\nBcc: victim@example.com", text: "t", html: "h")
        let mime = MIMEMessage(message, from: "codes@twofa.test", fromName: "Evil\r\nBcc: x@y.z", messageID: "id@twofa.test",
                               date: Date(timeIntervalSince1970: 0))
        let headerBlock = mime.text.components(separatedBy: "\r\n\r\n")[0]
        let names = headerBlock.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") }.map { $0.split(separator: ":")[0] }
        XCTAssertEqual(names, ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"])
        // Not "bcc" anywhere: the random hex boundary holds it about once in 140 messages.
        XCTAssertFalse(headerBlock.lowercased().contains("\r\nbcc"), headerBlock)
        XCTAssertFalse(headerBlock.contains("victim@example.com") || headerBlock.contains("x@y.z"), headerBlock)
        let subject = mime.headers.first { $0.0 == "Subject" }!.1
        XCTAssertTrue(subject.hasPrefix("=?utf-8?B?"), subject)
    }

    func testNonASCIISubjectsAreEncodedWords() {
        XCTAssertEqual(MIMEMessage.encodedWords("Code für Müller"), "=?utf-8?B?" + Data("Code für Müller".utf8).base64EncodedString() + "?=")
        XCTAssertEqual(MIMEMessage.encodedWords("123456 is your code"), "123456 is your code")
    }

    func testDateIsRFC5322InUTC() {
        XCTAssertEqual(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: 1_796_051_045)), "Mon, 30 Nov 2026 15:04:05 +0000")
    }

    func testAddressesThatCouldBreakOutOfTheEnvelopeAreRefused() {
        XCTAssertNil(EmailAddress.problem("alice.o'neil+codes@mail.example.co.uk"))
        for bad in ["alice@example.com\r\nRCPT TO:<x@y.z>", "<alice@example.com>", "alice @example.com", "alice@example",
                    "alice@@example.com", "a,b@example.com", "ålice@example.com", "alice@exa_mple.com", ".a@example.com",
                    "alice@example.com>", "", String(repeating: "a", count: 250) + "@x.io"] {
            XCTAssertNotNil(EmailAddress.problem(bad), bad)
        }
        XCTAssertEqual(EmailAddress.redact("alice@example.com"), "a•••@example.com")
        XCTAssertEqual(EmailAddress.normalize("  Alice@Example.COM "), "Alice@example.com")
    }

    func testADestinationWithAnAtIsAnAddressAndANumberIsNot() {
        for address in ["alice@example.com", "@", "é@日本.jp", "a@"] { XCTAssertTrue(EmailAddress.isDestination(address), address) }
        for number in ["+447700900123", "447700900123", "", "alice", "alice＠example.com"] {
            XCTAssertFalse(EmailAddress.isDestination(number), number)
        }
    }

    func testSMTPURLs() throws {
        let starttls = try SMTPSettings.parse(url: "smtp://us%40er:p%3Ass@mail.example.com:587", from: "codes@example.com")
        XCTAssertEqual(starttls.security, .starttls)
        XCTAssertEqual(starttls.username, "us@er")
        XCTAssertEqual(starttls.password, "p:ss")
        XCTAssertEqual(starttls.description, "smtp://us@er:•••@mail.example.com:587")
        XCTAssertEqual(try SMTPSettings.parse(url: "smtps://u:p@mail.example.com", from: "a@b.co").port, 465)
        XCTAssertEqual(try SMTPSettings.parse(url: "smtp://localhost:2525?tls=none", from: "a@b.co").security, SMTPSettings.Security.none)
        for bad in ["http://mail.example.com", "smtp://", "smtp://u@mail.example.com", "smtps://h?tls=none", "smtp://h?x=1"] {
            XCTAssertThrowsError(try SMTPSettings.parse(url: bad, from: "a@b.co"), bad)
        }
        XCTAssertThrowsError(try SMTPSettings.parse(url: "smtp://secret-user:secret-pass@h", from: "not an address")) { error in
            XCTAssertFalse("\(error)".contains("secret"))
        }
    }
}
