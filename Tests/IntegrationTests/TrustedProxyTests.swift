import Database
import Foundation
import XCTest
import TestSupport

/// TRUSTED_PROXIES over real sockets: the test client plays the reverse proxy on 127.0.0.1.
final class TrustedProxyTests: IntegrationTestCase {
    override var environment: [String: String] { ["TRUSTED_PROXIES": "127.0.0.1"] }

    /// A client behind the proxy: every request carries the X-Forwarded-For the proxy adds.
    func behindProxy(_ forwardedFor: String) -> Browser {
        let browser = server.browser()
        browser.extraHeaders = [("X-Forwarded-For", forwardedFor)]
        return browser
    }

    /// Five wrong passwords across usernames from `attacker` (the per-IP limit, not the account's).
    func banByIP(_ attacker: Browser) throws {
        for name in ["bob", "carol", "dave", "erin", "alice"] {
            XCTAssertEqual(try logIn(attacker, username: name, password: "guess guess guess").status, 422)
        }
    }

    func testABanHitsTheForwardedClientNotEveryoneBehindTheProxy() throws {
        _ = try verifiedUser()
        let attacker = behindProxy("203.0.113.66")
        try banByIP(attacker)
        XCTAssertEqual(try logIn(attacker, username: "alice", password: password).status, 422, "client A is banned")
        // A's forgeries to the left of what the proxy appended change nothing.
        XCTAssertEqual(try logIn(behindProxy("198.51.100.1, 203.0.113.66"), username: "alice", password: password).status, 422)

        let neighbour = behindProxy("203.0.113.77")
        XCTAssertEqual(try logIn(neighbour, username: "alice", password: password).location, "/verification/new",
                       "client B, through the same proxy, is not banned")

        let ips = try server.app.database.read { try $0.query("SELECT DISTINCT ip FROM audit_events WHERE event LIKE 'login%'") }
            .compactMap { $0.string("ip") }
        XCTAssertTrue(ips.contains("203.0.113.66"), "the audit names the client: \(ips)")
        XCTAssertFalse(ips.contains("198.51.100.1"), "never a forged entry: \(ips)")
    }

    func testWithoutTheSettingAForgedForwardedForChangesNothing() throws {
        server.stop()
        server = try TestServer(environment: [:])
        _ = try verifiedUser()
        try banByIP(behindProxy("203.0.113.66"))
        XCTAssertEqual(try logIn(behindProxy("203.0.113.77"), username: "alice", password: password).status, 422,
                       "the ban is on the socket peer, whatever X-Forwarded-For says")
        let peer = server.browser()
        peer.sourceAddress = "127.0.0.1"
        XCTAssertEqual(try logIn(peer, username: "alice", password: password).status, 422)

        let ips = try server.app.database.read { try $0.query("SELECT DISTINCT ip FROM audit_events WHERE event LIKE 'login%'") }
            .compactMap { $0.string("ip") }
        XCTAssertEqual(ips, ["127.0.0.1"], "the audit names the socket peer, never a forwarded address")
    }

    func testAnUntrustedPeerIsNotBelieved() throws {
        _ = try verifiedUser()
        let stranger = behindProxy("203.0.113.66")
        stranger.sourceAddress = "127.0.0.2"   // not in TRUSTED_PROXIES
        try banByIP(stranger)
        let sameStranger = behindProxy("203.0.113.99")
        sameStranger.sourceAddress = "127.0.0.2"
        XCTAssertEqual(try logIn(sameStranger, username: "alice", password: password).status, 422,
                       "a new X-Forwarded-For from an untrusted peer does not escape its ban")
        XCTAssertEqual(try logIn(behindProxy("203.0.113.66"), username: "alice", password: password).location, "/verification/new",
                       "the address the stranger claimed was never banned")
    }

    func testForwardedProtoMakesAQuickPageSecure() throws {
        // /session/new is answered on the event loop: resolution happens before that path too.
        let secure = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new",
                                            headers: [("X-Forwarded-For", "203.0.113.5"), ("X-Forwarded-Proto", "https")])
        XCTAssertNotNil(secure.header("Strict-Transport-Security"))
        XCTAssertTrue(secure.headers("set-cookie").allSatisfy { $0.contains("Secure") }, "\(secure.headers("set-cookie"))")
        let rfc = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new",
                                         headers: [("Forwarded", #"for="[2001:db8::5]:4711";proto=https"#)])
        XCTAssertNotNil(rfc.header("Strict-Transport-Security"))
        let untrusted = try HTTPClient.request(port: server.port, method: "GET", path: "/session/new",
                                               headers: [("X-Forwarded-Proto", "https")], source: "127.0.0.2")
        XCTAssertNil(untrusted.header("Strict-Transport-Security"), "an untrusted peer's word is not taken")
    }

    func testMetricsJudgeTheClientTheProxyNames() throws {
        let local = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                           headers: [("X-Forwarded-For", "127.0.0.1")])
        XCTAssertEqual(local.status, 200, "a local scraper through the local trusted proxy")
        let outside = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                             headers: [("X-Forwarded-For", "203.0.113.7")])
        XCTAssertEqual(outside.status, 404)
        let untrusted = try HTTPClient.request(port: server.port, method: "GET", path: "/metrics",
                                               headers: [("X-Forwarded-For", "127.0.0.1")], source: "127.0.0.2")
        XCTAssertEqual(untrusted.status, 404, "forwarding headers from an untrusted peer still refuse")
    }
}
