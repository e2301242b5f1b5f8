@testable import App
import Foundation
import HTTP
import XCTest
import TestSupport

/// The pieces behind issue 5's rules that are easiest to pin down without a socket.
final class AccountSecurityUnitTests: XCTestCase {
    func testCommonPasswordListLoadsTheShippedTenThousand() throws {
        let policy = try PasswordPolicy(file: Repository.root + "/config/common-passwords.txt")
        XCTAssertEqual(policy.commonCount, 10_000)
        XCTAssertNotNil(policy.problem(password: "Password1", username: "x", number: ""), "case-insensitive")
        XCTAssertNil(policy.problem(password: "staple battery horse correct", username: "x", number: ""))
    }

    func testPhoneNumberInAnyTypedFormIsRecognised() {
        let policy = PasswordPolicy(commonPasswords: [])
        for typed in ["+447700900123", "+44 7700 900123", "447700900123", "07700 900123", "(+44) 7700-900-123"] {
            XCTAssertNotNil(policy.problem(password: typed, username: "u", number: "+447700900123"), typed)
        }
        for other in ["+447700900124", "7700900123x", "07700 900124"] {
            XCTAssertNil(policy.problem(password: other, username: "u", number: "+447700900123"), other)
        }
        XCTAssertNotNil(policy.problem(password: "BOB.SMITH", username: "bob.smith", number: ""))
    }

    func testUserAgentSummaries() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0", "Edge on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox on Linux"),
            ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36", "Chrome on Android"),
            ("curl/8.5.0", "curl"), ("", "Unknown browser"),
        ]
        for (agent, summary) in cases { XCTAssertEqual(UserAgentSummary.describe(agent), summary, agent) }
    }

    func testMetricsTextFormat() {
        let metrics = Metrics()
        metrics.observeRequest(route: "pages#index", status: 200, seconds: 0.003)
        metrics.observeRequest(route: "pages#index", status: 200, seconds: 0.2)
        metrics.observeRequest(route: "pages#index", status: 303, seconds: 7)
        metrics.pinFailed(channel: "voice")
        let text = metrics.render()
        XCTAssertTrue(text.contains("twofa_http_requests_total{route=\"pages#index\",status=\"200\"} 2\n"), text)
        XCTAssertTrue(text.contains("twofa_http_requests_total{route=\"pages#index\",status=\"303\"} 1\n"))
        XCTAssertTrue(text.contains("twofa_http_request_duration_seconds_bucket{route=\"pages#index\",le=\"0.0025\"} 0\n"))
        XCTAssertTrue(text.contains("twofa_http_request_duration_seconds_bucket{route=\"pages#index\",le=\"0.005\"} 1\n"), "cumulative buckets")
        XCTAssertTrue(text.contains("twofa_http_request_duration_seconds_bucket{route=\"pages#index\",le=\"0.25\"} 2\n"))
        XCTAssertTrue(text.contains("twofa_http_request_duration_seconds_bucket{route=\"pages#index\",le=\"+Inf\"} 3\n"))
        XCTAssertTrue(text.contains("twofa_http_request_duration_seconds_count{route=\"pages#index\"} 3\n"))
        XCTAssertTrue(text.contains("twofa_pins_failed_total{channel=\"voice\"} 1\n"))
        XCTAssertEqual(metrics.requestCount(route: "pages#index", status: 200), 2)
    }

    func testMetricsCountEveryRequestFromManyThreads() {
        let metrics = Metrics()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            for _ in 0..<1000 { metrics.observeRequest(route: "r", status: 200, seconds: 0.001) }
        }
        XCTAssertEqual(metrics.requestCount(route: "r", status: 200), 16_000)
    }

    func testMetricsAccessRule() {
        func request(from address: String, _ headers: [(String, String)] = []) -> HTTPRequest {
            HTTPRequest(method: "GET", target: "/metrics", headers: HTTPHeaders(headers), remoteAddress: address)
        }
        XCTAssertTrue(MetricsController.mayRead(request(from: "127.0.0.1"), token: ""))
        XCTAssertTrue(MetricsController.mayRead(request(from: "::1"), token: ""))
        XCTAssertFalse(MetricsController.mayRead(request(from: "203.0.113.9"), token: ""))
        XCTAssertFalse(MetricsController.mayRead(request(from: "127.0.0.1", [("X-Forwarded-For", "203.0.113.9")]), token: ""))
        XCTAssertFalse(MetricsController.mayRead(request(from: "203.0.113.9", [("Authorization", "Bearer x")]), token: ""),
                       "no token configured: no token accepted")
        XCTAssertTrue(MetricsController.mayRead(request(from: "203.0.113.9", [("Authorization", "Bearer s3cret-token")]), token: "s3cret-token"))
        XCTAssertFalse(MetricsController.mayRead(request(from: "203.0.113.9", [("Authorization", "Bearer s3cret-tokeN")]), token: "s3cret-token"))
        // Production trusts only the token: a same-host proxy may add no forwarding header.
        XCTAssertFalse(MetricsController.mayRead(request(from: "127.0.0.1"), token: "", trustLoopback: false))
        XCTAssertTrue(MetricsController.mayRead(request(from: "127.0.0.1", [("Authorization", "Bearer s3cret-token")]),
                                                token: "s3cret-token", trustLoopback: false))
    }

    func testHSTSOnlyOverHTTPS() throws {
        let directory = NSTemporaryDirectory() + "twofa-hsts-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try AppConfig.load(environment: [
            "APP_ENV": "test", "APP_ROOT": Repository.root, "DATABASE_URL": directory + "/db.sqlite3",
            "SMS_OUTBOX": directory + "/outbox.jsonl", "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
        ])
        let app = try Application(config: config)
        for path in ["/session/new", "/", "/assets/favicon.svg", "/nowhere"] {
            var request = HTTPRequest(method: "GET", target: path)
            XCTAssertNil(try app.respond(to: request).headers["Strict-Transport-Security"], path)
            request.isSecure = true
            let secure = try app.respond(to: request)
            XCTAssertEqual(secure.headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains", path)
            XCTAssertEqual(secure.headers["Referrer-Policy"], "same-origin", path)
        }
    }
}
