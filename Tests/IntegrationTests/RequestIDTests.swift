import Foundation
import XCTest
import TestSupport

/// X-Request-Id: on every response, in the access log, and a trusted proxy's id kept.
final class RequestIDTests: IntegrationTestCase {
    override var environment: [String: String] { ["TRUSTED_PROXIES": "127.0.0.1"] }

    func isGenerated(_ id: String?) -> Bool {
        guard let id else { return false }
        return id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    func testEveryResponseCarriesAnID() throws {
        var seen = Set<String>()
        // A quick page (event loop), a worker action, an asset, a not-found page.
        for (method, path) in [("GET", "/session/new"), ("POST", "/session"), ("GET", "/assets/application.css"), ("GET", "/nowhere")] {
            let response = try HTTPClient.request(port: server.port, method: method, path: path, source: "127.0.0.2")
            let id = response.header("x-request-id")
            XCTAssertTrue(isGenerated(id), "\(method) \(path): \(id ?? "none")")
            seen.insert(id ?? "")
        }
        XCTAssertEqual(seen.count, 4, "each request its own id")
    }

    func testATrustedProxysIDIsKeptAndLogged() throws {
        let logs = LogCapture()
        logs.start()
        defer { logs.stop() }
        let response = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new?secret=1",
                                              headers: [("X-Request-Id", "edge-4f1c:9.A_b")])
        XCTAssertEqual(response.header("x-request-id"), "edge-4f1c:9.A_b")
        // The access line is written after the response is handed over: wait for it.
        eventually("the access line is logged: \(logs.lines)") { logs.lines.contains { $0.contains("GET /session/new ") } }
        let line = logs.lines.first { $0.contains("GET /session/new ") }
        XCTAssertTrue(line?.hasSuffix(" id=edge-4f1c:9.A_b") == true, line ?? "")
        XCTAssertFalse(logs.lines.contains { $0.contains("secret=1") }, "the query string is never logged")
    }

    func testAnInsaneOrUntrustedIDIsReplaced() throws {
        for (value, source) in [("edge-1", "127.0.0.2"), ("has space", "127.0.0.1"), (String(repeating: "a", count: 129), "127.0.0.1"),
                                ("inject\"quote", "127.0.0.1")] {
            let response = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new",
                                                  headers: [("X-Request-Id", value)], source: source)
            let id = response.header("x-request-id")
            XCTAssertNotEqual(id, value)
            XCTAssertTrue(isGenerated(id), "\(value) from \(source): \(id ?? "none")")
        }
    }
}
