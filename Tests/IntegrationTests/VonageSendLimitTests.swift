import App
import Foundation
import XCTest
import TestSupport

/// The sending limits with VERIFY_ENGINE=vonage: refused before Vonage is asked.
final class VonageSendLimitTests: VonageTestCase {
    override var vonageTestSettings: [String: String] { ["SMS_COUNTRIES": "GB"] }

    func testARefusedCountryNeverReachesVonage() throws {
        let api = try VerifyAPIClient.create(on: server)
        let refused = try api.request("18765550123")
        XCTAssertEqual(refused["status"] as? String, "15", "\(refused)")
        XCTAssertTrue(vonage.forms("/verify/json").isEmpty, "Vonage was not asked")
        let refusedSignUp = try signUp(server.browser(), number: "+1 876 555 0123")
        XCTAssertEqual(refusedSignUp.status, 422)
        XCTAssertTrue(vonage.forms("/verify/json").isEmpty)
    }

    /// Sign-ups with a number another account has proven: answered like any other, one after
    /// another (each replaces the last withheld request), and nothing reaches Vonage.
    func testSignUpsWithATakenNumberLookLikeAnyOtherAndNeverReachVonage() throws {
        let carol = server.browser()
        XCTAssertEqual(try signUp(carol, username: "carol", number: "+44 7700 900555").location, "/verification/new")
        XCTAssertEqual(try enterPIN(carol, try XCTUnwrap(vonage.lastPIN)).location, "/")
        let asked = vonage.forms("/verify/json").count
        for name in ["dave", "erin"] {
            let browser = server.browser()
            XCTAssertEqual(try signUp(browser, username: name, number: "+44 7700 900555").location, "/verification/new")
            let page = try browser.get("/verification/new")
            XCTAssertTrue(page.body.contains("We texted a 6-digit code"), page.body)
        }
        XCTAssertEqual(vonage.forms("/verify/json").count, asked, "no withheld code reaches Vonage")
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

/// With VERIFY_ENGINE=vonage, which keeps one live request per number: a passwordless request
/// to someone's number can't keep their login code from them (issue 13).
final class VonagePasswordlessTests: VonageTestCase {
    override var vonageTestSettings: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }

    func testAPasswordlessRequestDoesNotBlockTheOwnersLoginCode() throws {
        let alice = server.browser()
        XCTAssertEqual(try signUp(alice).location, "/verification/new")
        XCTAssertEqual(try enterPIN(alice, try XCTUnwrap(vonage.lastPIN)).location, "/")
        XCTAssertEqual(try logOut(alice).location, "/session/new")

        try askForCode(server.browser(), "+447700900123")   // a stranger asks for a passwordless code
        XCTAssertEqual(vonage.forms("/verify/json").count, 2, "the passwordless request is live at Vonage")

        XCTAssertEqual(try logIn(alice).location, "/verification/new")
        let page = try alice.get("/verification/new")
        XCTAssertTrue(page.body.contains("We texted a 6-digit code"), page.body)
        XCTAssertEqual(vonage.forms("/verify/control/json").last?["cmd"], "cancel", "the passwordless request was cancelled")
        XCTAssertEqual(try enterPIN(alice, try XCTUnwrap(vonage.lastPIN)).location, "/", "alice's login code works")
    }
}
