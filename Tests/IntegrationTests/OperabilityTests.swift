import App
import Database
import Foundation
import XCTest
import TestSupport

/// GET /healthz and GET /metrics.
final class OperabilityTests: IntegrationTestCase {
    override var environment: [String: String] { ["METRICS_TOKEN": "scrape-token-0123456789"] }

    func testHealthzIsOKWhileTheDatabaseAnswersAnd503Otherwise() throws {
        let ok = try server.browser().get("/healthz")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.body, "ok\n")
        XCTAssertNil(ok.header("set-cookie"), "no session machinery on the probe")
        server.app.database.close()
        let down = try server.browser().get("/healthz")
        XCTAssertEqual(down.status, 503)
        XCTAssertTrue(down.body.contains("database unreachable"))
    }

    /// The value of one sample line, e.g. `twofa_http_requests_total{route="sessions#new",status="200"}`.
    func sample(_ body: String, _ series: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    func testMetricsCountRequestsLatencyThrottlesAndConnections() throws {
        let browser = server.browser()
        for _ in 0..<3 { try browser.get("/session/new") }
        try browser.get("/no/such/page")
        let metrics = try browser.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertEqual(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        let body = metrics.body
        XCTAssertEqual(sample(body, #"twofa_http_requests_total{route="sessions#new",status="200"}"#), 3, body)
        XCTAssertEqual(sample(body, #"twofa_http_requests_total{route="not_found",status="404"}"#), 1, "raw paths never become labels")
        XCTAssertFalse(body.contains("/no/such/page"))
        XCTAssertEqual(sample(body, #"twofa_http_request_duration_seconds_count{route="sessions#new"}"#), 3)
        XCTAssertEqual(sample(body, #"twofa_http_request_duration_seconds_bucket{route="sessions#new",le="+Inf"}"#), 3)
        XCTAssertTrue(body.contains("# TYPE twofa_http_request_duration_seconds histogram"))
        XCTAssertGreaterThanOrEqual(sample(body, "twofa_http_open_connections") ?? 0, 1, "this scrape's own connection is open")
        XCTAssertEqual(sample(body, "twofa_login_throttled_total"), 0)

        // Six wrong passwords from one IP: the sixth is refused by the regulation and counted.
        for i in 1...6 { _ = try logIn(server.browser(), username: "nobody", password: "wrong guess \(i)") }
        server.app.metrics.pinSent(channel: "sms")
        let after = try browser.get("/metrics").body
        XCTAssertEqual(sample(after, "twofa_login_throttled_total"), 1)
        XCTAssertEqual(sample(after, #"twofa_pins_sent_total{channel="sms"}"#), 1)
        XCTAssertEqual(sample(after, #"twofa_http_requests_total{route="metrics#show",status="200"}"#), 1, "the first scrape counted")
    }

    func testMetricsAreOnlyForLocalScrapersOrTheToken() throws {
        let relayed = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                             headers: [("X-Forwarded-For", "203.0.113.7")])
        XCTAssertEqual(relayed.status, 404, "a request relayed by a proxy is not local")
        XCTAssertFalse(relayed.body.contains("twofa_"))
        let wrongToken = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                                headers: [("X-Forwarded-For", "203.0.113.7"), ("Authorization", "Bearer nope")])
        XCTAssertEqual(wrongToken.status, 404)
        let withToken = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                               headers: [("X-Forwarded-For", "203.0.113.7"),
                                                         ("Authorization", "Bearer scrape-token-0123456789")])
        XCTAssertEqual(withToken.status, 200)
        XCTAssertTrue(withToken.body.contains("twofa_http_requests_total"))
    }
}

/// In production only the token reads /metrics: a local, unproxied scraper is not enough
/// (the wiring from APP_ENV through the controller, not only the helper that decides).
final class ProductionMetricsTests: IntegrationTestCase {
    override var environment: [String: String] {
        ["APP_ENV": "production", "SMS_GATEWAY": "outbox", "METRICS_TOKEN": "scrape-token-0123456789"]
    }

    func testOnlyTheTokenReadsMetrics() throws {
        let local = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics")
        XCTAssertEqual(local.status, 404, "a loopback client without the token")
        XCTAssertFalse(local.body.contains("twofa_"))
        let wrong = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                           headers: [("Authorization", "Bearer scrape-token-0123456788")])
        XCTAssertEqual(wrong.status, 404)
        let scraper = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                             headers: [("Authorization", "Bearer scrape-token-0123456789")])
        XCTAssertEqual(scraper.status, 200)
        XCTAssertTrue(scraper.body.contains("twofa_http_requests_total"), scraper.body)
    }
}

/// Without METRICS_TOKEN, production has no way in at all.
final class ProductionMetricsWithoutTokenTests: IntegrationTestCase {
    override var environment: [String: String] { ["APP_ENV": "production", "SMS_GATEWAY": "outbox"] }

    func testNobodyReadsMetrics() throws {
        XCTAssertEqual(try HTTPClient.request(port: server.port, method: "GET", path: "/metrics").status, 404)
        XCTAssertEqual(try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                              headers: [("Authorization", "Bearer ")]).status, 404)
    }
}
