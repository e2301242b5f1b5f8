import Foundation
import XCTest
import TestSupport

/// Controllers through `Application.respond(to:)`, in process: the gates, CSRF, the
/// `_method` override and the Verify API, without a socket. (IntegrationTests drive the
/// same things over a real server.)
final class ControllerRequestTests: XCTestCase {
    private var site: InProcessApp!
    private let password = "correct horse battery"

    override func setUpWithError() throws {
        site = try InProcessApp()
    }

    override func tearDown() {
        site?.stop()
        site = nil
    }

    /// Signs up and enters the PIN the outbox received: a fully signed-in visitor.
    private func signedInVisitor(file: StaticString = #filePath, line: UInt = #line) throws -> InProcessBrowser {
        let browser = site.browser()
        try browser.get("/user/new")
        let created = try browser.post("/user", [("username", "alice"), ("password", password),
                                                 ("password_confirmation", password), ("number", "+44 7700 900123")])
        XCTAssertEqual(created.status, 303, created.body, file: file, line: line)
        let pin = try XCTUnwrap(site.lastPIN(to: "+447700900123"), "no PIN in the outbox", file: file, line: line)
        try browser.get("/verification/new")
        let verified = try browser.post("/verification", [("code", pin)])
        XCTAssertEqual(verified.location, "/", verified.body, file: file, line: line)
        return browser
    }

    func testProtectedPagesSendAnonymousVisitorsToLogin() throws {
        let browser = site.browser()
        for path in ["/", "/user/edit", "/verification/new"] {
            let page = try browser.get(path)
            XCTAssertEqual(page.status, 303, path)
            XCTAssertEqual(page.location, "/session/new", path)
        }
    }

    func testPostWithoutCSRFTokenIsForbiddenAndCreatesNothing() throws {
        let browser = site.browser()
        try browser.get("/user/new")
        let forged = try browser.postWithoutToken("/user", [("username", "mallory"), ("password", password),
                                                            ("password_confirmation", password), ("number", "+15550001111")])
        XCTAssertEqual(forged.status, 403)
        XCTAssertNil(site.lastPIN(to: "+15550001111"), "a forged sign-up sent a PIN")
    }

    func testSignedInVisitorSeesTheHomePage() throws {
        let browser = try signedInVisitor()
        let home = try browser.get("/")
        XCTAssertEqual(home.status, 200, home.location ?? "")
        XCTAssertTrue(home.body.contains("alice"), "the home page doesn't name the account")
    }

    func testMethodOverrideReachesTheDeleteAction() throws {
        let browser = try signedInVisitor()
        try browser.get("/")
        // POST /session alone is the login action; `_method=delete` makes it the logout.
        let loggedOut = try browser.post("/session", [], method: "delete")
        XCTAssertEqual(loggedOut.status, 303, loggedOut.body)
        XCTAssertEqual(loggedOut.location, "/session/new")
        XCTAssertEqual(try browser.get("/").location, "/session/new", "still signed in after the logout")
    }

    func testVerifyAPIAnswersStatus2WithoutAnAPIKey() throws {
        let answer = try site.browser().send("POST", "/verify/json", body: "number=447700900123&brand=Acme")
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.header("content-type"), "application/json")
        let json = try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any], answer.body)
        XCTAssertEqual(json["status"] as? String, "2")
        XCTAssertEqual(json["error_text"] as? String, "Missing api_key")
    }
}
