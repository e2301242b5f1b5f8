import Foundation
import XCTest
@testable import Messaging

final class OutboxGatewayTests: XCTestCase {
    func testVoiceCallsAndTextsShareTheOutboxLineFormat() throws {
        let path = NSTemporaryDirectory() + "twofa-outbox-\(UUID().uuidString)/outbox.jsonl"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let outbox = try OutboxGateway(path: path)

        try outbox.send(SMSMessage(to: "+447700900123", body: "Your twofa code is 123456."))
        let receipt = try outbox.call(VoiceCall(to: "+447700900123", text: VoiceCall.pinScript(brandName: "twofa", pin: "123456")))
        XCTAssertEqual(receipt, DeliveryReceipt(provider: "outbox", messageID: nil))
        XCTAssertEqual(try outbox.deliver(SMSMessage(to: "+15005550006", body: "b")).provider, "outbox")

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        let stamp = #""sent_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$"#
        XCTAssertNotNil(lines[0].range(of: #"^\{"to":"\+447700900123","channel":"sms","body":"Your twofa code is 123456\.","#
                                       + stamp, options: .regularExpression), lines[0])
        XCTAssertNotNil(lines[1].range(of: #"^\{"to":"\+447700900123","channel":"voice","#
                                       + #""body":"Your twofa code is 1, 2, 3, 4, 5, 6\. Again: 1, 2, 3, 4, 5, 6\.","#
                                       + stamp, options: .regularExpression), lines[1])
    }

    func testPinScriptReadsEachDigitTwice() {
        XCTAssertEqual(VoiceCall.pinScript(brandName: "Acme", pin: "907153"),
                       "Your Acme code is 9, 0, 7, 1, 5, 3. Again: 9, 0, 7, 1, 5, 3.")
    }
}
