@testable import HTTP
import XCTest

/// Addresses and CIDR blocks: what TRUSTED_PROXIES matches the socket peer and forwarded hops against.
final class IPAddressTests: XCTestCase {
    func testAddressesAreParsedAndPrintedInOneSpelling() {
        XCTAssertEqual(IPAddress("127.0.0.1")?.description, "127.0.0.1")
        XCTAssertEqual(IPAddress("2001:DB8:0:0:0:0:0:1")?.description, "2001:db8::1", "lower-case, zeros compressed")
        XCTAssertEqual(IPAddress("::1")?.description, "::1")
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4")?.description, "1.2.3.4", "IPv4-mapped is the IPv4 address")
        XCTAssertEqual(IPAddress("::FFFF:0102:0304")?.description, "1.2.3.4")
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4"), IPAddress("1.2.3.4"))
        XCTAssertTrue(IPAddress("::ffff:1.2.3.4")!.isIPv4)
        XCTAssertFalse(IPAddress("::1")!.isIPv4)
        XCTAssertEqual(IPAddress("10.1.2.3")?.bytes, [10, 1, 2, 3])
        XCTAssertEqual(IPAddress("2001:db8::1")?.bytes.count, 16)
    }

    func testGarbageIsNotAnAddress() {
        for text in ["", "unknown", "_hidden", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ",
                     "1.2.3.4:80", "[::1]", "::1%eth0", "2001:db8::1::2", "gggg::1", "localhost", "1.2.3.4/8",
                     String(repeating: "1", count: 100), "1.2.3.4\u{0}", "１.２.３.４"] {
            XCTAssertNil(IPAddress(text), text)
        }
    }

    func testMaskedForLogs() {
        XCTAssertEqual(IPAddress("203.0.113.77")?.masked, "203.0.113.x")
        XCTAssertEqual(IPAddress("2001:db8:85a3:8d3:1319:8a2e:370:7348")?.masked, "2001:db8:85a3::x")
        XCTAssertEqual(IPAddress("::1")?.masked, "0:0:0::x")
    }

    func testIPv4Blocks() throws {
        let ten = try XCTUnwrap(CIDR("10.0.0.0/8"))
        XCTAssertTrue(ten.contains(IPAddress("10.0.0.0")!))
        XCTAssertTrue(ten.contains(IPAddress("10.255.255.255")!))
        XCTAssertFalse(ten.contains(IPAddress("11.0.0.0")!))
        XCTAssertFalse(ten.contains(IPAddress("9.255.255.255")!))
        XCTAssertTrue(ten.contains(IPAddress("::ffff:10.9.8.7")!), "a mapped address is IPv4")
        XCTAssertFalse(ten.contains(IPAddress("a00::1")!), "IPv6 never matches an IPv4 block")

        let one = try XCTUnwrap(CIDR("192.168.1.7/32"))
        XCTAssertTrue(one.contains(IPAddress("192.168.1.7")!))
        XCTAssertFalse(one.contains(IPAddress("192.168.1.6")!))
        XCTAssertEqual(CIDR("192.168.1.7"), one, "a bare address is a /32")

        let odd = try XCTUnwrap(CIDR("172.16.0.0/12"))
        XCTAssertTrue(odd.contains(IPAddress("172.31.255.1")!))
        XCTAssertFalse(odd.contains(IPAddress("172.32.0.1")!))

        let all = try XCTUnwrap(CIDR("0.0.0.0/0"))
        XCTAssertTrue(all.contains(IPAddress("1.2.3.4")!))
        XCTAssertTrue(all.contains(IPAddress("255.255.255.255")!))
        XCTAssertFalse(all.contains(IPAddress("::1")!))

        XCTAssertEqual(CIDR("10.1.2.3/8")?.description, "10.0.0.0/8", "host bits are cleared")
        XCTAssertEqual(CIDR("::ffff:10.0.0.0/104"), CIDR("10.0.0.0/8"), "mapped form counts IPv6 bits")
    }

    func testIPv6Blocks() throws {
        let ula = try XCTUnwrap(CIDR("fd00::/8"))
        XCTAssertTrue(ula.contains(IPAddress("fd12:3456::1")!))
        XCTAssertTrue(ula.contains(IPAddress("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!))
        XCTAssertFalse(ula.contains(IPAddress("fe80::1")!))
        XCTAssertFalse(ula.contains(IPAddress("10.0.0.1")!))

        let loopback = try XCTUnwrap(CIDR("::1/128"))
        XCTAssertTrue(loopback.contains(IPAddress("0:0:0:0:0:0:0:1")!))
        XCTAssertFalse(loopback.contains(IPAddress("::2")!))
        XCTAssertEqual(CIDR("::1"), loopback)

        let wide = try XCTUnwrap(CIDR("2001:db8::/32"))
        XCTAssertTrue(wide.contains(IPAddress("2001:db8:ffff::1")!))
        XCTAssertFalse(wide.contains(IPAddress("2001:db9::1")!))
        // A prefix past the first 64 bits exercises the low word's mask.
        let deep = try XCTUnwrap(CIDR("2001:db8::1:0/112"))
        XCTAssertTrue(deep.contains(IPAddress("2001:db8::1:ffff")!))
        XCTAssertFalse(deep.contains(IPAddress("2001:db8::2:0")!))

        let all = try XCTUnwrap(CIDR("::/0"))
        XCTAssertTrue(all.contains(IPAddress("2001:db8::1")!))
        XCTAssertFalse(all.contains(IPAddress("1.2.3.4")!), "IPv6 /0 is not IPv4")
    }

    func testBadBlocksAreRefused() {
        for text in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/+8",
                     "10.0.0.0/08x", "/8", "10.0.0/8", "fd00::/abc", "::ffff:10.0.0.0/95", "unknown", ""] {
            XCTAssertNil(CIDR(text), text)
        }
    }

    func testForwardedForEntries() {
        let headers = HTTPHeaders([("X-Forwarded-For", " 203.0.113.7 , unknown,2001:DB8::1"),
                                   ("x-forwarded-for", "198.51.100.2:8080, [2001:db8::2]:4711, ::ffff:192.0.2.1")])
        XCTAssertEqual(ForwardedHeaders.forwardedFor(headers).map { $0?.description },
                       ["203.0.113.7", nil, "2001:db8::1", "198.51.100.2", "2001:db8::2", "192.0.2.1"],
                       "every header line, in order; ports and brackets stripped; mapped addresses as IPv4")
    }

    func testForwardedElements() {
        let headers = HTTPHeaders([
            ("Forwarded", #"for=192.0.2.60;proto=HTTPS;by=203.0.113.43, for="[2001:db8:cafe::17]:4711""#),
            ("Forwarded", #"For=unknown, for=_hidden;proto=http, proto=https, for="198.51.100.9:80";host="a,b;c""#),
        ])
        let elements = ForwardedHeaders.forwarded(headers)
        XCTAssertEqual(elements.map { $0.client?.description }, ["192.0.2.60", "2001:db8:cafe::17", nil, nil, nil, "198.51.100.9"])
        XCTAssertEqual(elements.map(\.hasFor), [true, true, true, true, false, true])
        XCTAssertEqual(elements.map(\.proto), ["https", nil, nil, "http", "https", nil])
    }

    func testNodesThatAreNotAddresses() {
        for text in ["unknown", "_gazonk", "[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "[1.2.3.4]", "1.2.3.4:",
                     "1.2.3.4:http", "1.2.3.4:123456", "[::1]:99999x", "2001:db8::1:80x", "\"1.2.3.4\"", "", "[]"] {
            XCTAssertNil(ForwardedHeaders.node(text), text)
        }
        XCTAssertEqual(ForwardedHeaders.node("[::1]:_obf")?.description, "::1")
        XCTAssertEqual(ForwardedHeaders.node("1.2.3.4:_obf")?.description, "1.2.3.4")
    }

    func testBrokenForwardedHeadersNeverCrash() {
        for value in ["", ";", ",", "=", "for", "for=", "for=\"", "for=\"\\", "for=\"[::1]", "\"\"\"", "for=\"\\\"\"",
                      String(repeating: "for=1.2.3.4;", count: 200), "for=\u{0}", "for=𝟙.2.3.4", "a=b=c;for==1.2.3.4"] {
            let elements = ForwardedHeaders.forwarded(HTTPHeaders([("Forwarded", value)]))
            XCTAssertTrue(elements.allSatisfy { $0.client == nil || value.contains("for=1.2.3.4") }, value)
        }
    }
}
