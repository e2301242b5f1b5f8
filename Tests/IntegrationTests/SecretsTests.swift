import App
import Foundation
import Security
import Support
import XCTest
import TestSupport

/// What README promises about secrets, checked where they could leak: the log at
/// LOG_LEVEL=debug, and the database as stored (the SQLite file with its WAL, or pg_dump).
final class SecretsTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }

    /// Every secret the API, the scheduler and passwordless login handle, and everything
    /// they logged at debug level: no PIN, API secret, cookie token or full number in it.
    func testNoPINSecretTokenOrNumberInTheDebugLog() throws {
        let logs = LogCapture()
        logs.start()
        Log.configure(level: .debug)
        defer { Log.configure(level: .info); logs.stop() }
        var secrets: [String] = []

        // The API: a start, a wrong and a right check.
        let api = try VerifyAPIClient.create(on: server)
        secrets.append(api.apiSecret)
        let number = "447700900444"
        let id = try XCTUnwrap(try api.request(number, [("next_event_wait", "60")])["request_id"] as? String)
        let first = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(try api.check(id, first == "000000" ? "111111" : "000000")["status"] as? String, "16")
        // The scheduler: the next event, with a new PIN.
        server.clock.advance(seconds: 61)
        XCTAssertEqual(server.tick(), 1)
        let second = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(try api.check(id, second)["status"] as? String, "0")
        secrets += [first, second]

        // Passwordless login: the texted code and the cookies it sets.
        let browser = try verifiedUser(number: "+44 7700 900321")
        secrets.append(try XCTUnwrap(server.lastPIN(to: "+447700900321")))
        _ = try logOut(browser)
        try browser.get("/passwordless/new")
        XCTAssertEqual(try browser.post("/passwordless", [("number", "+44 7700 900321")]).location, "/passwordless/code")
        server.awaitDeliveries()
        secrets.append(try XCTUnwrap(browser.cookies["twofa_passwordless"]))
        try browser.get("/passwordless/code")
        let code = try XCTUnwrap(server.lastPIN(to: "+447700900321"))
        secrets.append(code)
        XCTAssertEqual(try browser.post("/passwordless/code", [("code", code)]).location, "/")
        secrets.append(try XCTUnwrap(browser.cookies["twofa_session"]))
        secrets += ["447700900444", "7700900444", "447700900321", "7700900321"]   // full numbers, any format

        // The access log was written: the capture saw the requests.
        eventually("the access log has the passwordless code request") { logs.lines.contains { $0.contains("/passwordless/code") } }
        XCTAssertEqual(logs.lines(containingAnyOf: secrets), [], "secrets in the log")
    }

    /// API secrets are kept only as their SHA-256, PINs only as an HMAC under the key derived
    /// from SECRET_KEY_BASE: the digests are in the stored bytes, the secrets are not.
    func testAPISecretsAndPINsAreStoredOnlyAsDigests() throws {
        let api = try VerifyAPIClient.create(on: server)
        let number = "447700900445"
        let id = try XCTUnwrap(try api.request(number)["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        let stored = try server.databaseContents()

        func isStored(_ bytes: [UInt8]) -> Bool {
            stored.range(of: Data(bytes)) != nil || stored.range(of: Data(Hex.encode(bytes).utf8)) != nil
        }
        XCTAssertTrue(isStored(Digest.sha256(api.apiSecret)), "the secret's SHA-256 is what is kept")
        XCTAssertNil(stored.range(of: Data(api.apiSecret.utf8)), "the API secret in clear")

        // The PIN key as the app derives it (KeyGenerator), computed here from the test's secret.
        let pinKey = Digest.hmacSHA256(key: Array(String(repeating: "0123456789abcdef", count: 4).utf8), message: "twofa key: pin")
        XCTAssertTrue(isStored(Digest.hmacSHA256(key: pinKey, message: "\(id):\(pin)")), "the PIN's HMAC is what is kept")
        XCTAssertNil(stored.range(of: Data("\(id):\(pin)".utf8)))
        XCTAssertNil(stored.range(of: Data("code is \(pin)".utf8)), "the text message is not stored")
        XCTAssertNil(stored.range(of: Data(pin.utf8)), "the PIN in clear")
    }
}
