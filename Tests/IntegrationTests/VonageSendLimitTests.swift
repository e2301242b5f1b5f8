import App
import Foundation
import XCTest
import TestSupport

/// The sending limits with VERIFY_ENGINE=vonage: refused before Vonage is asked.
final class VonageSendLimitTests: IntegrationTestCase {
    var vonage: FakeVonageVerify!

    override var environment: [String: String] {
        ["VERIFY_ENGINE": "vonage", "VONAGE_API_KEY": vonage.apiKey, "VONAGE_API_SECRET": vonage.apiSecret,
         "VONAGE_API_BASE_URL": vonage.baseURL, "SMS_COUNTRIES": "GB"]
    }

    override func setUpWithError() throws {
        vonage = try FakeVonageVerify()
        try super.setUpWithError()
    }

    override func tearDown() {
        super.tearDown()
        vonage?.stop()
        vonage = nil
    }

    func testARefusedCountryNeverReachesVonage() throws {
        let api = try VerifyAPIClient.create(on: server)
        let refused = try api.request("18765550123")
        XCTAssertEqual(refused["status"] as? String, "15", "\(refused)")
        XCTAssertTrue(vonage.forms("/verify/json").isEmpty, "Vonage was not asked")
        let refusedSignUp = try signUp(server.browser(), number: "+1 876 555 0123")
        XCTAssertEqual(refusedSignUp.status, 422)
        XCTAssertTrue(vonage.forms("/verify/json").isEmpty)
    }

    func testADailyLimitIsEnforcedBeforeVonageIsAsked() throws {
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: "shop", dailyLimit: 1)
        let api = VerifyAPIClient(port: server.port, apiKey: key, apiSecret: secret)
        XCTAssertEqual(try api.request("447700900001")["status"] as? String, "0")
        let refused = try api.request("447700900002")
        XCTAssertEqual(refused["status"] as? String, "9", "\(refused)")
        XCTAssertEqual(vonage.forms("/verify/json").map { $0["number"] }, ["447700900001"], "Vonage asked once")
    }
}
