@testable import App
import HTTP
import XCTest

/// TRUSTED_PROXIES: whose forwarding headers are believed, and which hop is the client.
final class ClientAddressResolverTests: XCTestCase {
    let resolver = ClientAddressResolver(trusted: ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"].map { CIDR($0)! })

    /// The client address after `prepare`-time resolution of a request from `peer`.
    private func client(_ peer: String, _ headers: [(String, String)], _ resolver: ClientAddressResolver? = nil) -> String {
        request(peer, headers, resolver).remoteAddress
    }

    private func request(_ peer: String, _ headers: [(String, String)], _ resolver: ClientAddressResolver? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders(headers), remoteAddress: peer)
        (resolver ?? self.resolver).apply(to: &request)
        return request
    }

    func testUntrustedPeersAndNoSettingIgnoreForwardedHeaders() {
        let forged = [("X-Forwarded-For", "198.51.100.1"), ("Forwarded", "for=198.51.100.2"), ("X-Forwarded-Proto", "https")]
        XCTAssertEqual(client("203.0.113.5", forged), "203.0.113.5")
        XCTAssertFalse(request("203.0.113.5", forged).isSecure)
        let none = ClientAddressResolver(trusted: [])
        XCTAssertEqual(client("127.0.0.1", forged, none), "127.0.0.1", "no TRUSTED_PROXIES: the peer, as always")
        XCTAssertFalse(request("127.0.0.1", forged, none).isSecure)
        XCTAssertFalse(none.trustsPeer("127.0.0.1"))
    }

    func testRightmostUntrustedHopIsTheClient() {
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "203.0.113.9")]), "203.0.113.9")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "6.6.6.6, 203.0.113.9")]), "203.0.113.9",
                       "a left entry is whatever the client sent: ignored")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.1.1, 10.2.2.2")]), "203.0.113.9",
                       "a chain of trusted proxies is skipped")
        XCTAssertEqual(client("::1", [("X-Forwarded-For", "10.0.0.1, 10.0.0.2")]), "10.0.0.1",
                       "all trusted: the leftmost")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.9, 10.0.0.3")]),
                       "203.0.113.9", "several header lines are one list")
        XCTAssertEqual(client("::ffff:127.0.0.1", [("X-Forwarded-For", "2001:DB8::0:1")]), "2001:db8::1",
                       "a mapped peer is trusted as IPv4; the client is written canonically")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "::ffff:203.0.113.9")]), "203.0.113.9")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "[2001:db8::7]:443")]), "2001:db8::7")
        XCTAssertEqual(client("fd00::5", [("X-Forwarded-For", "fd00::6, 203.0.113.9, fd00::7")]), "203.0.113.9")
    }

    func testGarbageFallsBackToThePeer() {
        for value in ["unknown", "", "  ,  ", "not-an-ip", "203.0.113.9, unknown", "203.0.113.9, _hidden",
                      "203.0.113.9 10.0.0.1", "\u{0}1.2.3.4", "999.1.1.1", String(repeating: "x", count: 5000)] {
            XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", value)]), "127.0.0.1", value)
        }
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "unknown, 203.0.113.9")]), "203.0.113.9",
                       "garbage left of the client is never reached")
        XCTAssertEqual(client("127.0.0.1", [("X-Forwarded-For", "garbage"), ("Forwarded", "for=203.0.113.9")]), "127.0.0.1",
                       "X-Forwarded-For wins even when useless: no shopping between headers")
    }

    func testForwardedHeaderWhenThereIsNoXForwardedFor() {
        XCTAssertEqual(client("127.0.0.1", [("Forwarded", "for=192.0.2.60;proto=https;by=10.0.0.1")]), "192.0.2.60")
        XCTAssertEqual(client("127.0.0.1", [("Forwarded", #"for="[2001:db8:cafe::17]:4711""#)]), "2001:db8:cafe::17")
        XCTAssertEqual(client("127.0.0.1", [("Forwarded", #"for=6.6.6.6, for=192.0.2.60, for="10.0.0.2:80""#)]), "192.0.2.60")
        XCTAssertEqual(client("127.0.0.1", [("Forwarded", "for=6.6.6.6"), ("Forwarded", "for=192.0.2.61")]), "192.0.2.61")
        XCTAssertEqual(client("127.0.0.1", [("Forwarded", "for=10.0.0.9, for=10.0.0.8")]), "10.0.0.9")
        for value in ["for=unknown", "for=_hidden", "for=\"[::1\"", "for=192.0.2.60, for=_hidden", "proto=https", "garbage",
                      "for=192.0.2.60;proto=https, by=10.0.0.1"] {
            XCTAssertEqual(client("127.0.0.1", [("Forwarded", value)]), "127.0.0.1", value)
        }
    }

    func testSchemeFromATrustedProxy() {
        XCTAssertTrue(request("127.0.0.1", [("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https")]).isSecure)
        XCTAssertTrue(request("127.0.0.1", [("X-Forwarded-Proto", "HTTPS")]).isSecure, "the proto alone counts")
        XCTAssertFalse(request("127.0.0.1", [("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "http")]).isSecure)
        XCTAssertFalse(request("127.0.0.1", [("X-Forwarded-For", "6.6.6.6, 203.0.113.9"), ("X-Forwarded-Proto", "https, http")]).isSecure,
                       "the proto beside the client's entry, not the one the client sent")
        XCTAssertTrue(request("127.0.0.1", [("X-Forwarded-For", "203.0.113.9, 10.0.0.1"), ("X-Forwarded-Proto", "https, http")]).isSecure,
                      "the edge proxy saw https; the inner hop was plain")
        XCTAssertTrue(request("127.0.0.1", [("Forwarded", "for=192.0.2.60;proto=https")]).isSecure)
        XCTAssertFalse(request("127.0.0.1", [("Forwarded", "for=6.6.6.6;proto=https, for=192.0.2.60;proto=http")]).isSecure)
        XCTAssertTrue(request("127.0.0.1", [("Forwarded", "proto=https")]).isSecure)
        XCTAssertFalse(request("127.0.0.1", [("X-Forwarded-Proto", "httpsx")]).isSecure)
    }

    func testRequestIDs() {
        XCTAssertTrue(RequestID.isSane("abc-123_X.y:z"))
        XCTAssertTrue(RequestID.isSane(String(repeating: "a", count: 128)))
        for bad in ["", String(repeating: "a", count: 129), "a b", "a\nb", "a\"b", "é", "a/b", "{x}"] {
            XCTAssertFalse(RequestID.isSane(bad), bad)
            XCTAssertNotEqual(RequestID.choose(incoming: bad), bad)
        }
        XCTAssertEqual(RequestID.choose(incoming: "trace-1"), "trace-1")
        let generated = RequestID.choose(incoming: nil)
        XCTAssertEqual(generated.count, 32)
        XCTAssertTrue(RequestID.isSane(generated))
        XCTAssertNotEqual(generated, RequestID.choose(incoming: nil))
    }

    func testMetricsThroughATrustedProxyJudgeTheClient() {
        func request(_ peer: String, _ headers: [(String, String)]) -> HTTPRequest {
            self.request(peer, headers)
        }
        XCTAssertTrue(MetricsController.mayRead(request("127.0.0.1", [("X-Forwarded-For", "127.0.0.1")]), token: "", proxies: resolver),
                      "a local client through a local trusted proxy")
        XCTAssertFalse(MetricsController.mayRead(request("127.0.0.1", [("X-Forwarded-For", "203.0.113.9")]), token: "", proxies: resolver),
                       "an outside client through a trusted proxy")
        XCTAssertFalse(MetricsController.mayRead(request("127.0.0.1", [("X-Real-IP", "127.0.0.1")]), token: "", proxies: resolver),
                       "a relay that names nobody we read")
        XCTAssertFalse(MetricsController.mayRead(request("127.0.0.1", [("X-Forwarded-For", "garbage")]), token: "", proxies: resolver))
        let untrusting = ClientAddressResolver(trusted: [CIDR("10.0.0.0/8")!])
        var viaUntrusted = HTTPRequest(method: "GET", target: "/metrics", headers: HTTPHeaders([("X-Forwarded-For", "127.0.0.1")]),
                                       remoteAddress: "127.0.0.1")
        untrusting.apply(to: &viaUntrusted)
        XCTAssertFalse(MetricsController.mayRead(viaUntrusted, token: "", proxies: untrusting),
                       "forwarding headers from an untrusted peer still refuse")
    }
}
