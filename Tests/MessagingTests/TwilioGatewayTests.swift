import Foundation
import XCTest
@testable import Messaging
import TestSupport

final class TwilioGatewayTests: XCTestCase {
    let sid = "ACabcdefabcdefabcdefabcdefabcdefab"
    let token = "twilio-test-auth-token-9f8e7d"
    let number = "+447700900123"
    let fast = RetryPolicy(timeout: 3, maxAttempts: 3, initialBackoff: 0.01, multiplier: 2, maxBackoff: 0.05, totalBudget: 20)
    var provider: FakeProvider?
    let logs = LogCapture()

    override func setUp() { super.setUp(); logs.start() }
    override func tearDown() { provider?.stop(); logs.stop(); super.tearDown() }

    private func gateway(_ script: [FakeProvider.Reply], from: String = "+15005550006",
                         policy: RetryPolicy? = nil) throws -> TwilioGateway {
        let fake = try FakeProvider(script)
        provider = fake
        return TwilioGateway(accountSID: sid, authToken: token, from: from, baseURL: fake.baseURL,
                             client: OutboundHTTPClient(policy: policy ?? fast))
    }

    private static let created = FakeProvider.Reply(status: 201, json: #"{"sid":"SMaaaabbbbccccddddeeeeffff00001111","status":"queued"}"#)

    func testSMSIsTheDocumentedMessagesRequest() throws {
        let body = "Your twofa code is 123456. It expires in 5 minutes."
        let receipt = try gateway([Self.created]).deliver(SMSMessage(to: number, body: body))
        XCTAssertEqual(receipt, DeliveryReceipt(provider: "twilio", messageID: "SMaaaabbbbccccddddeeeeffff00001111"))

        let requests = try XCTUnwrap(provider).requests
        XCTAssertEqual(requests.count, 1)
        let request = try XCTUnwrap(requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/2010-04-01/Accounts/\(sid)/Messages.json")
        XCTAssertEqual(request.headers["Authorization"], "Basic " + Data("\(sid):\(token)".utf8).base64EncodedString())
        XCTAssertEqual(request.headers["Content-Type"], "application/x-www-form-urlencoded")
        XCTAssertEqual(FakeProvider.form(request), ["To": number, "From": "+15005550006", "Body": body])
        // The '+' must arrive as a plus, not as a space.
        XCTAssertTrue(String(decoding: request.body, as: UTF8.self).contains("To=%2B447700900123"))

        XCTAssertEqual(logs.lines(containingAnyOf: ["123456", number, token]), [])
        XCTAssertFalse(logs.lines(containingAnyOf: ["+44 ••••••• 123"]).isEmpty, "the masked number is logged")
    }

    func testMessagingServiceSidGoesInItsOwnField() throws {
        try gateway([Self.created], from: "MG0123456789abcdef0123456789abcdef").send(SMSMessage(to: number, body: "hi"))
        let request = try XCTUnwrap(provider?.requests.first)
        XCTAssertEqual(FakeProvider.form(request), ["To": number, "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef", "Body": "hi"])
    }

    func testVoiceCallSendsEscapedTwiml() throws {
        let text = VoiceCall.pinScript(brandName: "A&B <Co>", pin: "123456")
        let reply = FakeProvider.Reply(status: 201, json: #"{"sid":"CA0123456789abcdef0123456789abcdef","status":"queued"}"#)
        let receipt = try gateway([reply]).call(VoiceCall(to: number, text: text))
        XCTAssertEqual(receipt.messageID, "CA0123456789abcdef0123456789abcdef")

        let request = try XCTUnwrap(provider?.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/2010-04-01/Accounts/\(sid)/Calls.json")
        XCTAssertEqual(request.headers["Authorization"], "Basic " + Data("\(sid):\(token)".utf8).base64EncodedString())
        XCTAssertEqual(FakeProvider.form(request), [
            "To": number, "From": "+15005550006",
            "Twiml": "<Response><Say>Your A&amp;B &lt;Co&gt; code is 1, 2, 3, 4, 5, 6. Again: 1, 2, 3, 4, 5, 6.</Say></Response>",
        ])
        XCTAssertEqual(logs.lines(containingAnyOf: ["1, 2, 3", number, token]), [])
    }

    func testCallsNeedAPhoneNumberNotAMessagingService() throws {
        let gateway = try gateway([Self.created], from: "MG0123456789abcdef0123456789abcdef")
        XCTAssertThrowsError(try gateway.call(VoiceCall(to: number, text: "x"))) { error in
            guard case DeliveryError.unsent = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(provider?.requests.count, 0)
    }

    func testClientErrorIsNotRetriedAndHidesTheNumber() throws {
        let refusal = FakeProvider.Reply(status: 400, json: """
            {"code":21211,"message":"The 'To' number +447700900123 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}
            """)
        let gateway = try gateway([refusal, Self.created])
        XCTAssertThrowsError(try gateway.send(SMSMessage(to: number, body: "Your code is 654321"))) { error in
            guard case DeliveryError.rejected(let status, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 400)
            XCTAssertTrue(reason.contains("21211"), reason)
            XCTAssertFalse("\(error)".contains("447700900123"), "\(error)")
        }
        XCTAssertEqual(provider?.requests.count, 1, "a 4xx is final")
        XCTAssertEqual(logs.lines(containingAnyOf: ["654321", "447700900123", token]), [])
    }

    func testServerErrorsAreRetriedUntilTwilioRecovers() throws {
        let outage = FakeProvider.Reply(status: 503, json: #"{"code":20500,"message":"Service Unavailable"}"#)
        let crash = FakeProvider.Reply(status: 500, json: "oops")
        let receipt = try gateway([outage, crash, Self.created]).deliver(SMSMessage(to: number, body: "Your code is 111222"))
        XCTAssertEqual(receipt.messageID, "SMaaaabbbbccccddddeeeeffff00001111")
        let requests = try XCTUnwrap(provider).requests
        XCTAssertEqual(requests.count, 3)
        XCTAssertEqual(Set(requests.map { String(decoding: $0.body, as: UTF8.self) }).count, 1, "every attempt sends the same request")
        XCTAssertEqual(logs.lines(containingAnyOf: ["111222", number, token]), [])
    }

    func testPersistentServerErrorsGiveUpAfterMaxAttempts() throws {
        let outage = FakeProvider.Reply(status: 502, json: "{}")
        let gateway = try gateway([outage, outage, outage, outage, Self.created])
        XCTAssertThrowsError(try gateway.deliver(SMSMessage(to: number, body: "x"))) { error in
            XCTAssertEqual(error as? DeliveryError, .unavailable(reason: "HTTP 502", attempts: 3))
        }
        XCTAssertEqual(provider?.requests.count, 3)
    }

    func testSlowProviderTimesOutWithinTheAttemptBound() throws {
        let stall = FakeProvider.Reply(status: 201, json: #"{"sid":"SMlate"}"#, delay: 30)
        let policy = RetryPolicy(timeout: 0.3, maxAttempts: 2, initialBackoff: 0.01, maxBackoff: 0.01, totalBudget: 20)
        let gateway = try gateway([stall, stall, stall], policy: policy)
        XCTAssertThrowsError(try gateway.deliver(SMSMessage(to: number, body: "x"))) { error in
            XCTAssertEqual(error as? DeliveryError, .timedOut(attempts: 2))
        }
        XCTAssertLessThanOrEqual(provider?.requests.count ?? 0, 2)
    }
}
