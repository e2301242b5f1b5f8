import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server for the tests: aiosmtpd (PyPI) run by Tests/TestSupport/smtp_server.py,
/// plain, STARTTLS or implicit TLS (a self-signed certificate made here with openssl), with
/// AUTH for one user. Messages it accepted are read back with `messages()`.
/// Without aiosmtpd the tests that need it skip, unless TWOFA_TEST_SMTP=required (bin/smtp-check
/// installs it and sets that), where its absence fails them.
public final class SMTPTestServer {
    public enum TLS: String { case none, starttls, implicit }

    public struct Message {
        public let mailFrom: String
        public let recipients: [String]
        /// The message as received (headers and body, dot-stuffing undone by the server).
        public let data: String
        public let tls: Bool
        public let authenticated: Bool
    }

    public let port: Int
    public let directory: String
    public let user = "mailer"
    /// Made per run: the tests check that it never reaches a log.
    public let password = "pw-" + UUID().uuidString
    public let tls: TLS
    private var process: Process?
    private var stdin: Pipe?

    /// The PEM certificate (and key) the TLS modes present, for localhost and 127.0.0.1.
    public static let certificate: (cert: String, key: String) = {
        let dir = NSTemporaryDirectory() + "twofa-smtp-cert-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        _ = try? Subprocess.run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                                 "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                                                 "-keyout", key, "-out", cert], input: Data())
        return (cert, key)
    }()

    /// Skips the calling test when aiosmtpd is not installed (and not required).
    public static func requireAiosmtpd() throws {
        let found = (try? Subprocess.run("/usr/bin/env", ["python3", "-c", "import aiosmtpd"], input: Data()).status) == 0
        if found { return }
        if ProcessInfo.processInfo.environment["TWOFA_TEST_SMTP"] == "required" {
            throw Missing(description: "aiosmtpd is not installed (pip install aiosmtpd), and TWOFA_TEST_SMTP=required")
        }
        throw XCTSkip("aiosmtpd is not installed (bin/smtp-check installs it)")
    }

    public struct Missing: Error, CustomStringConvertible { public let description: String }

    /// Starts a server on `port` (0: a free one). `failData`: answer the first N DATA with 451;
    /// `rejectRecipients`: answer every RCPT with 550; `loginOnly`: offer AUTH LOGIN only.
    public init(tls: TLS, port: Int = 0, auth: Bool = true, failData: Int = 0, rejectRecipients: Bool = false,
                loginOnly: Bool = false) throws {
        try Self.requireAiosmtpd()
        self.tls = tls
        self.port = port == 0 ? Self.freePort() : port
        directory = NSTemporaryDirectory() + "twofa-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var arguments = [Repository.path("Tests/TestSupport/smtp_server.py"), "--dir", directory, "--port", String(self.port),
                         "--tls", tls.rawValue, "--fail-data", String(failData)]
        if tls != .none { arguments += ["--cert", Self.certificate.cert, "--key", Self.certificate.key] }
        if auth { arguments += ["--user", user, "--password", password] }
        if rejectRecipients { arguments.append("--reject-rcpt") }
        if loginOnly { arguments.append("--login-only") }
        try start(arguments)
    }

    private var arguments: [String] = []

    private func start(_ arguments: [String]) throws {
        self.arguments = arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        self.process = process
        stdin = input
        // "PORT n" once it listens; EOF means it died.
        let line = output.fileHandleForReading.availableLine()
        guard line.hasPrefix("PORT ") else { stop(); throw Missing(description: "smtp_server.py did not start") }
    }

    /// Stops the server (an outage); `restart()` brings it back on the same port.
    public func stop() {
        try? stdin?.fileHandleForWriting.close()
        if let process {
            let watchdog = Watchdog(process, after: 10)
            process.waitUntilExit()
            watchdog.cancel()
        }
        process = nil
        stdin = nil
    }

    public func restart() throws { try start(arguments) }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every message accepted so far, in order.
    public func messages() -> [Message] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted { Int($0.dropLast(5)) ?? 0 < Int($1.dropLast(5)) ?? 0 }
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
            return Message(mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                           data: object["data"] as? String ?? "", tls: object["tls"] as? Bool ?? false,
                           authenticated: object["auth"] as? Bool ?? false)
        }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                _ = bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension FileHandle {
    /// Reads bytes up to the first newline (or EOF), blocking.
    func availableLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let data = readData(ofLength: 1)
            guard let byte = data.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
