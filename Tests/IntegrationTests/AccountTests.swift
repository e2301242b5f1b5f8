import XCTest

/// Users#edit/update: changing the password from a verified session.
final class AccountTests: IntegrationTestCase {
    func testChangePasswordNeedsCurrentOneAndEndsOtherSessions() throws {
        let phone = try verifiedUser()
        let laptop = server.browser()
        try logIn(laptop)
        try enterPIN(laptop, try XCTUnwrap(server.lastPIN(to: "+447700900123")))
        XCTAssertEqual(try laptop.get("/").status, 200)

        let edit = try phone.get("/user/edit")
        XCTAssertEqual(edit.status, 200)
        XCTAssertTrue(edit.body.contains(#"autocomplete="current-password""#))

        let wrong = try phone.post("/user", [("current_password", "nope nope nope"), ("password", "new password here"),
                                             ("password_confirmation", "new password here")], method: "patch")
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("That isn&#39;t your current password"))

        try phone.get("/user/edit")
        let changed = try phone.post("/user", [("current_password", password), ("password", "new password here"),
                                               ("password_confirmation", "new password here")], method: "patch")
        XCTAssertEqual(changed.location, "/")
        XCTAssertTrue(try phone.get("/").body.contains("Your password has been changed"))
        XCTAssertEqual(try laptop.get("/").location, "/session/new", "the other session ended")

        try logOut(phone)
        XCTAssertEqual(try logIn(phone).status, 422, "old password refused")
        XCTAssertEqual(try logIn(phone, password: "new password here").location, "/verification/new")
    }

    func testFlashSurvivesLogoutRedirect() throws {
        let browser = try verifiedUser()
        try logOut(browser)
        let page = try browser.get("/session/new")
        XCTAssertTrue(page.body.contains("You have logged out."))
        XCTAssertFalse(try browser.get("/session/new").body.contains("You have logged out."), "shown once")
    }
}
