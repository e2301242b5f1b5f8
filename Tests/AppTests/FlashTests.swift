@testable import App
import XCTest

final class FlashTests: XCTestCase {
    let key = Array("k".utf8) + [UInt8](repeating: 7, count: 31)

    func testRoundTrip() {
        let flash = Flash(kind: .alert, message: "Wait 5 s — then try again.")
        XCTAssertEqual(Flash(cookieValue: flash.cookieValue(key: key), key: key), flash)
    }

    func testTamperedOrForeignCookiesAreIgnored() {
        let value = Flash(kind: .notice, message: "hello").cookieValue(key: key)
        let forged = Flash(kind: .notice, message: "<script>").cookieValue(key: [UInt8](repeating: 1, count: 32))
        XCTAssertNil(Flash(cookieValue: forged, key: key))
        XCTAssertNil(Flash(cookieValue: "x" + value, key: key))
        XCTAssertNil(Flash(cookieValue: "garbage", key: key))
        XCTAssertNil(Flash(cookieValue: "", key: key))
    }

    func testALinkRoundTripsAndOnlyToOurOwnPages() {
        let linked = Flash(kind: .notice, message: "Change it now.", link: Flash.Link(path: "/user/number/edit", label: "Change"))
        XCTAssertEqual(Flash(cookieValue: linked.cookieValue(key: key), key: key), linked)
        XCTAssertEqual(Flash(cookieValue: linked.cookieValue(key: key), key: key)?.link?.path, "/user/number/edit")
        XCTAssertNil(Flash(kind: .notice, message: "x", link: Flash.Link(path: "https://evil.example/", label: "y")).link)
        XCTAssertNil(Flash(kind: .notice, message: "x", link: Flash.Link(path: "//evil.example/", label: "y")).link)
        XCTAssertNil(Flash(cookieValue: Flash(kind: .alert, message: "plain").cookieValue(key: key), key: key)?.link)
    }
}
