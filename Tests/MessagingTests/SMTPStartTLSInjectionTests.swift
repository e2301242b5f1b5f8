import Foundation
import XCTest
@testable import Messaging
#if canImport(Glibc)
import Glibc
#endif

/// A reply appended in the clear after the STARTTLS `220` (a man in the middle's injection,
/// CVE-2011-0411's class) must never be read as if it came over TLS. A scripted server on a
/// loopback socket, since a real SMTP server never does this.
final class SMTPStartTLSInjectionTests: XCTestCase {
    func testRepliesInjectedAfterTheStartTLSReplyEndTheConnection() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(listener, pointer, length) == 0, listen(listener, 4) == 0 else { return -1 }
                return getsockname(listener, pointer, &length)
            }
        }
        XCTAssertEqual(bound, 0)
        let port = Int(UInt16(bigEndian: address.sin_port))

        // The script: greet, then offer STARTTLS with its "220" and an injected "250" already behind
        // it, all in one write, so they reach the client's buffer together.
        let connections = ManagedCounter()
        let server = Thread {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            connections.increment()
            func say(_ text: String) { _ = text.withCString { send(fd, $0, strlen($0), 0) } }
            func readLine() -> String {
                var line = [UInt8](), byte: UInt8 = 0
                while recv(fd, &byte, 1, 0) == 1 { if byte == 10 { break }; line.append(byte) }
                return String(decoding: line, as: UTF8.self)
            }
            say("220 fake ESMTP\r\n")
            _ = readLine()                                   // EHLO
            say("250-fake\r\n250 STARTTLS\r\n220 go ahead\r\n250 injected before TLS\r\n")
            _ = readLine()                                   // STARTTLS
            _ = readLine()                                   // whatever comes next, until the client closes
            close(fd)
        }
        server.start()

        let settings = SMTPSettings(host: "localhost", port: port, username: "", password: "", security: .starttls,
                                    from: "codes@twofa.test", fromName: "twofa", caFile: "")
        let policy = RetryPolicy(timeout: 5, maxAttempts: 3, initialBackoff: 0.01, multiplier: 2, maxBackoff: 0.05, totalBudget: 10)
        let message = EmailMessage(to: "alice@example.com", subject: "1 is your code", text: "1", html: "<p>1</p>")
        XCTAssertThrowsError(try SMTPGateway(settings: settings, policy: policy).send(message)) { error in
            XCTAssertEqual(error as? DeliveryError,
                           .network(reason: "data after the STARTTLS reply, before TLS", attempts: 1), "refused at once, never retried")
        }
        XCTAssertEqual(connections.value, 1)
    }
}

/// A counter the server thread bumps and the test reads.
private final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
