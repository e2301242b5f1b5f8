@testable import App
import Foundation
import XCTest
import TestSupport

/// MAX_CONNECTIONS_PER_IP (issue 13): one client address can't hold all the connections.
final class ConnectionsPerIPTests: IntegrationTestCase {
    override var environment: [String: String] { ["MAX_CONNECTIONS_PER_IP": "4"] }
    let host = "Host: 127.0.0.1\r\n"

    func testConnectionsBeyondTheShareAreRefusedAndCounted() throws {
        XCTAssertEqual(server.app.config.maxConnectionsPerIP, 4)
        let held = try (0..<4).map { _ -> RawClient in
            let c = try RawClient(port: server.port)
            try c.send("GET /session/new HTTP/1.1\r\n\(host)\r\n")
            XCTAssertEqual(try c.readResponse()?.status, 200)
            return c
        }
        for _ in 0..<2 {
            let refused = try RawClient(port: server.port)
            XCTAssertEqual(try refused.readResponse()?.status, 503)
            XCTAssertTrue(refused.isClosedByServer())
        }
        // A visitor from another address is served meanwhile.
        let other = try RawClient(port: server.port, source: "127.0.0.3")
        try other.send("GET /session/new HTTP/1.1\r\n\(host)Connection: close\r\n\r\n")
        XCTAssertEqual(try other.readResponse()?.status, 200)
        XCTAssertTrue(server.app.metrics.render().contains("twofa_refusals_total{reason=\"connections_per_ip\"} 2\n"),
                      server.app.metrics.render())
        held.forEach { $0.close() }
        eventually("the closed connections free 127.0.0.1's share") {
            let c = try? RawClient(port: server.port)
            try? c?.send("GET /session/new HTTP/1.1\r\n\(host)Connection: close\r\n\r\n")
            return (try? c?.readResponse())??.status == 200
        }
    }

    func testDefaultAndInvalidValues() throws {
        let base = ["APP_ROOT": Repository.root, "APP_ENV": "test", "SECRET_KEY_BASE": String(repeating: "s", count: 64),
                    "DATABASE_URL": server.directory + "/other.sqlite3"]
        XCTAssertEqual(try AppConfig.load(environment: base).maxConnectionsPerIP, 256)
        for bad in ["0", "-1", "many", "1000001"] {
            var env = base
            env["MAX_CONNECTIONS_PER_IP"] = bad
            XCTAssertThrowsError(try AppConfig.load(environment: env), bad) { error in
                XCTAssertTrue("\(error)".contains("MAX_CONNECTIONS_PER_IP"), "\(error)")
            }
        }
    }
}
