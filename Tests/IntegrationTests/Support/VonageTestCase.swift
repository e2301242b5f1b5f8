import XCTest

/// An integration test with VERIFY_ENGINE=vonage: a fresh `FakeVonageVerify` per test, and the
/// server pointed at it with its key and secret. A subclass adds settings in `vonageTestSettings`.
class VonageTestCase: IntegrationTestCase {
    var vonage: FakeVonageVerify!

    /// Settings beyond the engine's own (PASSWORDLESS_LOGIN, SMS_COUNTRIES…).
    var vonageTestSettings: [String: String] { [:] }

    override var environment: [String: String] {
        ["VERIFY_ENGINE": "vonage", "VONAGE_API_KEY": vonage.apiKey, "VONAGE_API_SECRET": vonage.apiSecret,
         "VONAGE_API_BASE_URL": vonage.baseURL].merging(vonageTestSettings) { $1 }
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
}
