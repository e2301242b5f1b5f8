import Foundation
import XCTest
import TestSupport

/// Hostile clients against the whole app over raw sockets: malformed, oversized and
/// smuggling requests, path tricks, slowloris. Each case checks the exact answer (or that
/// the connection is closed) and then that the server still serves a normal page.
/// The parser's rules themselves are unit-tested in HTTPTests; this is the app end to end.
final class AbuseTests: IntegrationTestCase {
    /// Short, so slowloris connections are cut off within the test's time.
    static let headerTimeout = 2

    override var environment: [String: String] { ["HEADER_TIMEOUT": String(Self.headerTimeout)] }

    // MARK: - Helpers

    /// Sends `raw` on a fresh connection and returns the single answer, after checking the
    /// server closed the connection and answered nothing more.
    @discardableResult
    private func refused(_ raw: [UInt8], _ status: Int, _ name: String,
                         file: StaticString = #filePath, line: UInt = #line) throws -> TestResponse {
        let connection = try RawClient(port: server.port)
        try connection.send(raw)
        try connection.readUntilClosed()
        let response = try connection.response()
        XCTAssertEqual(response.status, status, "\(name): \(response.body)", file: file, line: line)
        XCTAssertEqual(response.header("connection"), "close", name, file: file, line: line)
        XCTAssertEqual(connection.responseCount, 1, "\(name): more than one answer: \(connection.text)", file: file, line: line)
        try assertStillServing(name, file: file, line: line)
        return response
    }

    private func refused(_ raw: String, _ status: Int, _ name: String,
                         file: StaticString = #filePath, line: UInt = #line) throws {
        try refused(Array(raw.utf8), status, name, file: file, line: line)
    }

    private func assertStillServing(_ after: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let page = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new")
        XCTAssertEqual(page.status, 200, "server no longer serves pages after: \(after)", file: file, line: line)
    }

    private var host: String { "Host: 127.0.0.1:\(server.port)\r\n" }

    // MARK: - Malformed and oversized

    func testRandomGarbageIsRefused() throws {
        // Random binary can't hold a valid request line: a CR or LF in the wrong place
        // (certain in 2 KiB of random bytes) or a bad request line is a 400.
        var generator = SystemRandomNumberGenerator()
        for round in 0..<10 {
            let garbage = (0..<2048).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try refused(garbage, 400, "garbage round \(round): \(garbage.prefix(32))")
        }
        // Printable garbage with proper line endings, and a valid line followed by binary.
        try refused("\u{7f}\u{1b}[2J hello\r\n\r\n", 400, "escape sequences")
        try refused(Array("GET /session/new HTTP/1.1\r\n\(host)".utf8) + [0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a], 400, "binary header line")
    }

    func testRequestLineOf100KiBIs414() throws {
        let target = "/" + String(repeating: "a", count: 100 * 1024)
        try refused("GET \(target) HTTP/1.1\r\n\(host)\r\n", 414, "100 KiB request line")
    }

    func testTenThousandHeadersAre431() throws {
        let fields = (0..<10_000).map { "X-Field-\($0): v\r\n" }.joined()
        try refused("GET /session/new HTTP/1.1\r\n\(host)\(fields)\r\n", 431, "10,000 header fields")
    }

    func testHeaderBlockOver16KiBIs431() throws {
        // Few fields, but one huge cookie: the size limit, not the count limit.
        let cookie = "Cookie: big=" + String(repeating: "c", count: 16 * 1024) + "\r\n"
        try refused("GET /session/new HTTP/1.1\r\n\(host)\(cookie)\r\n", 431, "17 KiB header block")
    }

    func testBodyOver64KiBIs413() throws {
        let size = 64 * 1024 + 1
        let head = "POST /session HTTP/1.1\r\n\(host)Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(size)\r\n\r\n"
        try refused(Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: size), 413, "64 KiB + 1 body")
    }

    func testInvalidContentLengthIs400() throws {
        for value in ["-1", "-0", "abc", "12abc", "0x10", "1e3", "+5", ""] {
            try refused("POST /session HTTP/1.1\r\n\(host)Content-Length: \(value)\r\n\r\nabcdef", 400, "Content-Length \(value.debugDescription)")
        }
    }

    func testBareLFLineEndingsAre400() throws {
        try refused("GET /session/new HTTP/1.1\n\(host.dropLast(2))\n\n", 400, "bare LF everywhere")
        try refused("GET /session/new HTTP/1.1\r\n\(host)X-A: b\n\r\n", 400, "bare LF in one header")
    }

    func testNULInPathIs400() throws {
        try refused(Array("GET /session/new".utf8) + [0] + Array("x HTTP/1.1\r\n\(host)\r\n".utf8), 400, "raw NUL")
        try refused("GET /session/new%00x HTTP/1.1\r\n\(host)\r\n", 400, "%00")
        try refused("GET /assets/application.css%00.txt HTTP/1.1\r\n\(host)\r\n", 400, "%00 after an asset name")
    }

    // MARK: - Request smuggling

    func testContentLengthWithTransferEncodingIsRefusedAndTheSmuggledRequestNeverAnswered() throws {
        // A front end reading Transfer-Encoding would see two requests; one reading
        // Content-Length, one. We take neither reading: 400, close, and nothing else.
        let smuggled = "GET /session/new HTTP/1.1\r\n\(host)\r\n"
        let variants = [
            "POST /session HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\(smuggled)",
            "POST /session HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n\(smuggled)",
            "POST /session HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n\(smuggled)",
            "POST /session HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 41\r\n\r\n0\r\n\r\n\(smuggled)",
            "POST /session HTTP/1.1\r\n\(host)Content-Length: 5, 41\r\n\r\n0\r\n\r\n\(smuggled)",
        ]
        for (i, raw) in variants.enumerated() {
            try refused(raw, 400, "smuggling variant \(i)")
        }
    }

    func testTransferEncodingVariantsAreRefused() throws {
        // An obfuscated coding a proxy might ignore must not fall back to "no body".
        try refused("POST /session HTTP/1.1\r\n\(host)Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, "xchunked")
        try refused("POST /session HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, "space before colon")
        try refused("POST /session HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411, "plain chunked")
    }

    // MARK: - Paths

    func testDotDotNeverReachesAFileOutsidePublic() throws {
        let packageManifest = try String(contentsOfFile: Repository.root + "/Package.swift", encoding: .utf8)
        let marker = String(packageManifest.prefix(40))
        let attempts: [(String, Int)] = [
            ("/../etc/passwd", 404),
            ("/assets/../Package.swift", 404),
            ("/assets/..%2fPackage.swift", 404),
            ("/assets/..%2FPackage.swift", 404),
            ("/assets/%2e%2e/x", 404),
            ("/assets/%2e%2e/%2e%2e/Package.swift", 404),
            ("/assets/..%5cPackage.swift", 404),
            ("/assets/application.css/../../Package.swift", 404),
            ("/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 404),
            ("/assets/..%c0%afPackage.swift", 400),   // overlong UTF-8 "/": invalid, refused
            ("/assets/%252e%252e/Package.swift", 404),  // double encoding stays literal
        ]
        for (path, status) in attempts {
            let response = try HTTPClient.request(port: server.port, method: "GET", path: path)
            XCTAssertEqual(response.status, status, path)
            XCTAssertFalse(response.body.contains(marker), "\(path) served Package.swift")
            XCTAssertFalse(response.body.contains("root:x:0:0"), "\(path) served /etc/passwd")
            XCTAssertNotEqual(response.header("content-type"), "text/css; charset=utf-8", path)
        }
        try assertStillServing("dot-dot paths")
    }

    // MARK: - Static assets

    func testStaticAssetsServeOnlyTheExactFilesOfPublic() throws {
        let css = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/public/application.css"))
        let served = try HTTPClient.request(port: server.port, method: "GET", path: "/assets/application.css")
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(Array(served.body.utf8), [UInt8](css), "the asset is the file in public/, byte for byte")

        // Anything that only resembles the name is not the file.
        for path in ["/assets/APPLICATION.CSS", "/assets/application.css/", "/assets//application.css",
                     "/assets/./application.css", "/Assets/application.css", "/assets/application.css.",
                     "/assets/application", "/assets/", "/assets", "/application.css", "/public/application.css"] {
            let response = try HTTPClient.request(port: server.port, method: "GET", path: path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertNotEqual(response.header("content-type"), "text/css; charset=utf-8", path)
        }
    }

    func testStaticAssetsAreLoadedOnceAndSkipHiddenFilesAndFolders() throws {
        // A root of our own whose public/ holds a hidden file and a folder; the rest is the
        // repository's (Views copied: the template loader doesn't descend into a symlink).
        let root = NSTemporaryDirectory() + "twofa-assets-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/public/sub", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: root) }
        try fm.copyItem(atPath: Repository.root + "/Views", toPath: root + "/Views")
        for entry in ["config", "Migrations"] {
            try fm.createSymbolicLink(atPath: "\(root)/\(entry)", withDestinationPath: "\(Repository.root)/\(entry)")
        }
        try fm.copyItem(atPath: Repository.root + "/public/application.css", toPath: root + "/public/application.css")
        try Data("SECRET=1\n".utf8).write(to: URL(fileURLWithPath: root + "/public/.env"))
        try Data("nested\n".utf8).write(to: URL(fileURLWithPath: root + "/public/sub/file.txt"))

        server.stop()
        server = try TestServer(environment: environment.merging(["APP_ROOT": root]) { _, new in new })
        try Data("late\n".utf8).write(to: URL(fileURLWithPath: root + "/public/late.txt"))

        XCTAssertEqual(try HTTPClient.request(port: server.port, method: "GET", path: "/assets/application.css").status, 200)
        for path in ["/assets/.env", "/assets/sub", "/assets/sub/file.txt", "/assets/late.txt"] {
            let response = try HTTPClient.request(port: server.port, method: "GET", path: path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertFalse(response.body.contains("SECRET=1") || response.body.contains("nested") || response.body.contains("late"), path)
        }
    }

    // MARK: - Slowloris

    func testSlowlorisConnectionsDoNotStarveOthersAndAreCutOff() throws {
        // 200 connections each start a request and never finish its header block: half
        // trickle a byte every half second (which must not extend their time), half stop.
        var attackers: [RawClient] = []
        for i in 0..<200 {
            let connection = try RawClient(port: server.port, timeout: 1)
            try connection.send("GET /session/new HTTP/1.1\r\n\(host)X-Slow-\(i): ")
            attackers.append(connection)
        }

        // Meanwhile a normal visitor gets its pages.
        try assertStillServing("200 slowloris connections opened")
        let raw = "GET /assets/application.css HTTP/1.1\r\n\(host)Connection: close\r\n\r\n"
        let stylesheet = try HTTPClient.parse(HTTPClient.send(port: server.port, raw: Array(raw.utf8), timeout: 5))
        XCTAssertEqual(stylesheet.status, 200, "a normal request must complete (within 5 s) despite the attackers")

        // Every attacker is answered 408 and closed once the header timeout passes. The
        // bound is generous (several times the timeout): this checks that it happens at all.
        let deadline = Date().addingTimeInterval(Double(Self.headerTimeout) * 5)
        while Date() < deadline, attackers.contains(where: { !$0.closedByServer }) {
            for (i, connection) in attackers.enumerated() where !connection.closedByServer {
                if i % 2 == 0 { try connection.send("a") }
                try connection.poll()
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let stillOpen = attackers.filter { !$0.closedByServer }.count
        XCTAssertEqual(stillOpen, 0, "slowloris connections left open after \(Self.headerTimeout * 5) s")
        for (i, connection) in attackers.enumerated() where connection.closedByServer {
            XCTAssertEqual(try connection.response().status, 408, "attacker \(i): \(connection.text)")
        }
        try assertStillServing("slowloris connections cut off")
    }
}
