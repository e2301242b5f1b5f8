import Foundation
import XCTest
@testable import Messaging
import Security
import TestSupport

final class VonageGatewayTests: XCTestCase {
    let apiKey = "abcd1234"
    let apiSecret = "vonage-test-secret-77"
    let number = "+447700900123"
    let fast = RetryPolicy(timeout: 3, maxAttempts: 3, initialBackoff: 0.01, multiplier: 2, maxBackoff: 0.05, totalBudget: 20)
    var provider: FakeProvider?
    let logs = LogCapture()

    override func setUp() { super.setUp(); logs.start() }
    override func tearDown() { provider?.stop(); logs.stop(); super.tearDown() }

    private func smsGateway(_ script: [FakeProvider.Reply], from: String = "twofa") throws -> VonageSMSGateway {
        let fake = try FakeProvider(script)
        provider = fake
        return VonageSMSGateway(apiKey: apiKey, apiSecret: apiSecret, from: from, baseURL: fake.baseURL,
                                client: OutboundHTTPClient(policy: fast))
    }

    private static func smsReply(status: String, extra: String = "") -> FakeProvider.Reply {
        FakeProvider.Reply(status: 200, json: """
            {"message-count":"1","messages":[{"to":"447700900123","status":"\(status)"\(extra)}]}
            """)
    }

    private static let accepted = smsReply(status: "0", extra: #","message-id":"0A0000000123ABCD1","remaining-balance":"3.14","message-price":"0.03","network":"23410""#)

    func testSMSIsTheDocumentedRequest() throws {
        let body = "Your twofa code is 123456. It expires in 5 minutes."
        let receipt = try smsGateway([Self.accepted]).deliver(SMSMessage(to: number, body: body))
        XCTAssertEqual(receipt, DeliveryReceipt(provider: "vonage", messageID: "0A0000000123ABCD1"))

        let request = try XCTUnwrap(provider?.requests.first)
        XCTAssertEqual(provider?.requests.count, 1)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/sms/json")
        XCTAssertEqual(request.headers["Content-Type"], "application/x-www-form-urlencoded")
        XCTAssertEqual(FakeProvider.form(request), [
            "api_key": apiKey, "api_secret": apiSecret, "from": "twofa", "to": "447700900123", "text": body,
        ])
        XCTAssertEqual(logs.lines(containingAnyOf: ["123456", number, apiSecret]), [])
    }

    func testNonASCIITextIsSentAsUnicodeAndNumericSenderLosesThePlus() throws {
        try smsGateway([Self.accepted], from: "+447700900999").send(SMSMessage(to: number, body: "Ihr Café-Code ist 123456"))
        let form = FakeProvider.form(try XCTUnwrap(provider?.requests.first))
        XCTAssertEqual(form["from"], "447700900999")
        XCTAssertEqual(form["type"], "unicode")
        XCTAssertEqual(form["text"], "Ihr Café-Code ist 123456")
    }

    func testErrorStatusIsRejectedWithoutRetry() throws {
        let gateway = try smsGateway([Self.smsReply(status: "6", extra: #","error-text":"Unroutable message - rejected""#), Self.accepted])
        XCTAssertThrowsError(try gateway.deliver(SMSMessage(to: number, body: "x"))) { error in
            XCTAssertEqual(error as? DeliveryError, .rejected(status: 200, reason: "Vonage status 6: Unroutable message - rejected"))
        }
        XCTAssertEqual(provider?.requests.count, 1)
    }

    func testClientErrorIsRejectedWithoutRetry() throws {
        let gateway = try smsGateway([FakeProvider.Reply(status: 401, json: #"{"error-text":"Bad Credentials"}"#), Self.accepted])
        XCTAssertThrowsError(try gateway.deliver(SMSMessage(to: number, body: "x"))) { error in
            XCTAssertEqual(error as? DeliveryError, .rejected(status: 401, reason: "HTTP 401: Bad Credentials"))
        }
        XCTAssertEqual(provider?.requests.count, 1)
    }

    func testTemporaryStatusAndServerErrorAreRetried() throws {
        let internalError = Self.smsReply(status: "5", extra: #","error-text":"Internal Error""#)
        let receipt = try smsGateway([internalError, FakeProvider.Reply(status: 503, json: "{}"), Self.accepted])
            .deliver(SMSMessage(to: number, body: "x"))
        XCTAssertEqual(receipt.messageID, "0A0000000123ABCD1")
        XCTAssertEqual(provider?.requests.count, 3)
    }

    // MARK: Voice

    private func voiceGateway(_ script: [FakeProvider.Reply], now: Int64 = 1_800_000_000) throws -> VonageVoiceGateway {
        let fake = try FakeProvider(script)
        provider = fake
        let signer = try RS256Signer(pemFile: OpenSSLTool.rsaKey.privatePath)
        return VonageVoiceGateway(applicationID: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", from: "+447700900999",
                                  signJWT: { try JWT.rs256(claimsJSON: $0, signer: signer) },
                                  baseURL: fake.baseURL, client: OutboundHTTPClient(policy: fast), clock: { now })
    }

    private static let callCreated = FakeProvider.Reply(status: 201, json: """
        {"uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356","status":"started","direction":"outbound","conversation_uuid":"CON-f972836a-550f-45fa-956c-12a2ab5b7d22"}
        """)

    func testCallIsTheDocumentedRequestWithAVerifiableJWT() throws {
        let text = VoiceCall.pinScript(brandName: "twofa", pin: "123456")
        let receipt = try voiceGateway([Self.callCreated]).call(VoiceCall(to: number, text: text))
        XCTAssertEqual(receipt, DeliveryReceipt(provider: "vonage", messageID: "63f61863-4a51-4f6b-86e1-46edebcf9356"))

        let request = try XCTUnwrap(provider?.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/v1/calls")
        XCTAssertEqual(request.headers["Content-Type"], "application/json")
        let body = FakeProvider.json(request)
        XCTAssertEqual(body["to"] as? [[String: String]], [["type": "phone", "number": "447700900123"]])
        XCTAssertEqual(body["from"] as? [String: String], ["type": "phone", "number": "447700900999"])
        XCTAssertEqual(body["ncco"] as? [[String: String]], [["action": "talk", "text": text]])

        // The bearer token: a JWT whose signature openssl verifies with the public key.
        let authorization = try XCTUnwrap(request.headers["Authorization"])
        XCTAssertTrue(authorization.hasPrefix("Bearer "))
        let parts = authorization.dropFirst("Bearer ".count).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(parts.count, 3)
        let header = try JSONSerialization.jsonObject(with: Data(XCTUnwrap(Base64URL.decode(parts[0])))) as? [String: String]
        XCTAssertEqual(header, ["alg": "RS256", "typ": "JWT"])
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(Base64URL.decode(parts[1])))) as? [String: Any])
        XCTAssertEqual(claims["application_id"] as? String, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab")
        XCTAssertEqual(claims["iat"] as? Int, 1_800_000_000)
        XCTAssertEqual(claims["exp"] as? Int, 1_800_000_300)
        XCTAssertFalse((claims["jti"] as? String ?? "").isEmpty)
        let signature = try XCTUnwrap(Base64URL.decode(parts[2]))
        XCTAssertTrue(try OpenSSLTool.verifyRS256(message: Array("\(parts[0]).\(parts[1])".utf8), signature: signature))
        // …and the check can fail: the same signature over other claims does not verify.
        XCTAssertFalse(try OpenSSLTool.verifyRS256(message: Array("\(parts[0]).\(parts[1])x".utf8), signature: signature))

        XCTAssertEqual(logs.lines(containingAnyOf: ["1, 2, 3", number, parts[2]]), [])
    }

    func testEveryCallGetsAFreshTokenId() throws {
        let gateway = try voiceGateway([Self.callCreated, Self.callCreated])
        _ = try gateway.call(VoiceCall(to: number, text: "a"))
        _ = try gateway.call(VoiceCall(to: number, text: "b"))
        let jtis = try XCTUnwrap(provider?.requests).map { request -> String in
            let token = request.headers["Authorization"]!.dropFirst("Bearer ".count).split(separator: ".")
            let claims = try JSONSerialization.jsonObject(with: Data(Base64URL.decode(String(token[1]))!)) as? [String: Any]
            return claims?["jti"] as? String ?? ""
        }
        XCTAssertEqual(Set(jtis).count, 2, "\(jtis)")
    }

    func testUnauthorizedCallIsRejected() throws {
        let gateway = try voiceGateway([FakeProvider.Reply(status: 401, json: #"{"type":"UNAUTHORIZED","error_title":"Unauthorized"}"#),
                                        Self.callCreated])
        XCTAssertThrowsError(try gateway.call(VoiceCall(to: number, text: "x"))) { error in
            XCTAssertEqual(error as? DeliveryError, .rejected(status: 401, reason: "Unauthorized"))
        }
        XCTAssertEqual(provider?.requests.count, 1)
    }

    func testSigningFailureIsATypedErrorAndSendsNothing() throws {
        let fake = try FakeProvider([Self.callCreated])
        provider = fake
        struct NoKey: Error {}
        let gateway = VonageVoiceGateway(applicationID: "app", from: "447700900999", signJWT: { _ in throw NoKey() },
                                         baseURL: fake.baseURL, client: OutboundHTTPClient(policy: fast))
        XCTAssertThrowsError(try gateway.call(VoiceCall(to: number, text: "x"))) { error in
            guard case DeliveryError.unsent = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(fake.requests.count, 0)
    }
}
