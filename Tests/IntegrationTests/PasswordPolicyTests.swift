import XCTest

/// NIST SP 800-63B: common passwords, the username and the number are refused, with the reason.
final class PasswordPolicyTests: IntegrationTestCase {
    func testCommonPasswordIsRefusedWithTheReason() throws {
        for common in ["password1", "iloveyou", "PASSWORD1", "Qwertyuiop"] {
            let page = try signUp(server.browser(), username: "newbie", number: "+44 7700 900777", password: common)
            XCTAssertEqual(page.status, 422, common)
            XCTAssertTrue(page.body.contains("one of the most common passwords"), "\(common): \(page.body)")
            XCTAssertTrue(page.body.contains(#"id="password-error""#))
        }
        XCTAssertTrue(server.messages().isEmpty, "no account, no SMS")
    }

    func testPasswordEqualToUsernameOrNumberIsRefused() throws {
        let name = try signUp(server.browser(), username: "Alice.Smith", password: "alice.smith")
        XCTAssertEqual(name.status, 422)
        XCTAssertTrue(name.body.contains("can&#39;t be your username"), name.body)

        for typed in ["+44 7700 900123", "447700900123", "07700 900123", "+44-7700-900-123"] {
            let number = try signUp(server.browser(), username: "bob", number: "+44 7700 900123", password: typed)
            XCTAssertEqual(number.status, 422, typed)
            XCTAssertTrue(number.body.contains("can&#39;t be your phone number"), "\(typed): \(number.body)")
        }
        XCTAssertEqual(try signUp(server.browser(), username: "bob", number: "+44 7700 900123",
                                  password: "bob's own long phrase").location, "/verification/new")
    }

    func testPasswordChangeFollowsTheSamePolicy() throws {
        let browser = try verifiedUser(username: "alice.smith")
        try browser.get("/user/edit")
        let common = try browser.post("/user", [("current_password", password), ("password", "baseball1"),
                                                ("password_confirmation", "baseball1")], method: "patch")
        XCTAssertEqual(common.status, 422)
        XCTAssertTrue(common.body.contains("one of the most common passwords"))
        let own = try browser.post("/user", [("current_password", password), ("password", "ALICE.SMITH"),
                                             ("password_confirmation", "ALICE.SMITH")], method: "patch")
        XCTAssertEqual(own.status, 422)
        XCTAssertTrue(own.body.contains("can&#39;t be your username"))
        let fine = try browser.post("/user", [("current_password", password), ("password", "alice smith's new phrase"),
                                              ("password_confirmation", "alice smith's new phrase")], method: "patch")
        XCTAssertEqual(fine.location, "/")
    }
}
