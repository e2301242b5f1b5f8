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
}
