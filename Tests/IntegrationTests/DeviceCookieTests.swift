import App
import Database
import Foundation
import XCTest
import TestSupport

/// Device cookies (OWASP): strangers who fail passwords ban the account for strangers only; a
/// browser that logged in to the account before keeps its own, separate limit.
final class DeviceCookieTests: IntegrationTestCase {
    let generic = "That username and password don&#39;t match an account."

    /// alice's own browser after a full login (password + texted PIN), logged out again: it
    /// holds her device cookie and nothing else of use.
    func ownersBrowser(username: String = "alice", number: String = "+44 7700 900123") throws -> Browser {
        let browser = try verifiedUser(username: username, number: number)
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        XCTAssertEqual(try logIn(browser, username: username).location, "/verification/new")
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number.filter(\.isNumber)))
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
        XCTAssertNotNil(browser.cookies[DeviceCookie.name], "a completed login leaves a device cookie")
        XCTAssertEqual(try logOut(browser).location, "/session/new")
        return browser
    }

    /// Five strangers, each from its own address, fail alice's password: the account is banned.
    func strangersBan(_ username: String = "alice") throws {
        for i in 2...6 {
            XCTAssertEqual(try logIn(visitor("127.0.0.\(i)"), username: username, password: "stranger guess \(i)").status, 422)
        }
        XCTAssertEqual(try logIn(visitor("127.0.0.7"), username: username).status, 422, "banned: even the right password is refused")
    }

    func events(_ username: String = "alice") throws -> [AuditEvent] {
        try server.app.database.read { db in
            let user = try XCTUnwrap(try User.find(username: username, in: db))
            return try AuditEvent.recent(userID: user.id, limit: 100, in: db)
        }
    }

    func metric(_ name: String) -> Int? {
        for line in server.app.metrics.render().split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(line.dropFirst(name.count + 1))
        }
        return nil
    }

    func testTheOwnersBrowserLogsInWhileStrangersHaveBannedTheAccount() throws {
        let owner = try ownersBrowser()
        try strangersBan()

        let password = try logIn(owner)
        XCTAssertEqual(password.location, "/verification/new", "the owner's browser is not banned: \(password.body)")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        XCTAssertEqual(try enterPIN(owner, pin).location, "/", "nor is its second step")
        XCTAssertEqual(try owner.get("/").status, 200)

        let stranger = try logIn(visitor("127.0.0.8"))
        XCTAssertEqual(stranger.status, 422, "strangers are still banned after the owner's login")
        XCTAssertTrue(stranger.body.contains(generic))
        XCTAssertTrue(try events().contains { $0.kind == .deviceLoginPastBan && $0.detail == "password" })
        XCTAssertEqual(metric("twofa_device_logins_past_ban_total"), 1)
    }

    func testOnlyAGenuineCookieForThatAccountExempts() throws {
        let owner = try ownersBrowser()
        let bobs = try ownersBrowser(username: "bob", number: "+44 7700 900456")
        try strangersBan()
        let genuine = try XCTUnwrap(owner.cookies[DeviceCookie.name])
        let parts = genuine.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        let bobsCookie = try XCTUnwrap(bobs.cookies[DeviceCookie.name])
        let bobsParts = bobsCookie.split(separator: ".").map(String.init)
        var nonce = Array(parts[1])
        nonce[0] = nonce[0] == "A" ? "B" : "A"

        let refusedCookies = [
            ("another account's cookie", bobsCookie),
            ("another account's cookie relabelled for alice", "\(parts[0]).\(bobsParts[1]).\(bobsParts[2])"),
            ("a tampered nonce", "\(parts[0]).\(String(nonce)).\(parts[2])"),
            ("a forged signature", "\(parts[0]).\(parts[1]).AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ("garbage", "not-a-cookie"),
        ]
        for (i, (what, value)) in refusedCookies.enumerated() {
            let browser = visitor("127.0.1.\(i + 1)")
            browser.setCookie(DeviceCookie.name, value)
            let refused = try logIn(browser)
            XCTAssertEqual(refused.status, 422, "\(what) gives no exemption")
            XCTAssertTrue(refused.body.contains(generic), what)
        }
        let copy = visitor("127.0.1.9")
        copy.setCookie(DeviceCookie.name, genuine)
        XCTAssertEqual(try logIn(copy).location, "/verification/new", "the genuine cookie does")
    }

    /// A password change voids every device cookie made before it (bound to the old digest), so
    /// someone who once knew the password keeps no exemption; the browser that changed it gets a
    /// fresh one.
    func testAPasswordChangeVoidsEarlierDeviceCookies() throws {
        let old = try ownersBrowser()
        let changer = server.browser()
        XCTAssertEqual(try logIn(changer).location, "/verification/new")
        XCTAssertEqual(try enterPIN(changer, try XCTUnwrap(server.lastPIN(to: "+447700900123"))).location, "/")
        let newPassword = "a brand new passphrase"
        try changer.get("/user/edit")
        let changed = try changer.post("/user", [("current_password", password), ("password", newPassword),
                                                 ("password_confirmation", newPassword)], method: "patch")
        XCTAssertEqual(changed.location, "/", changed.body)
        XCTAssertEqual(try logOut(changer).location, "/session/new")
        try strangersBan()

        XCTAssertEqual(try logIn(old, password: newPassword).status, 422, "the cookie from before the change exempts nothing")
        XCTAssertEqual(try logIn(changer, password: newPassword).location, "/verification/new",
                       "the browser that changed the password is still known")
    }

    func testTheDeviceHasItsOwnLimit() throws {
        let owner = try ownersBrowser()
        // Five wrong passwords from alice's own browser (from five addresses, so no IP ban).
        for i in 2...6 {
            owner.sourceAddress = "127.0.0.\(i)"
            XCTAssertEqual(try logIn(owner, password: "my own typo \(i)").status, 422)
        }
        owner.sourceAddress = "127.0.0.7"
        let limited = try logIn(owner)
        XCTAssertEqual(limited.status, 422, "the device is limited: even the right password is refused")
        XCTAssertTrue(limited.body.contains(generic), "and it looks like any wrong password")
        XCTAssertTrue(try events().contains { $0.kind == .deviceLoginLimited && $0.detail == "password, banned" })
        XCTAssertEqual(metric("twofa_device_logins_limited_total"), 1)

        XCTAssertEqual(try logIn(visitor("127.0.0.8")).location, "/verification/new",
                       "the device's failures are its own: the account is not banned for others")
        let failed = try server.app.database.read { db in
            try LoginRegulation.status(userID: try XCTUnwrap(try User.find(username: "alice", in: db)).id, now: server.clock.now(), in: db)
        }
        XCTAssertEqual(failed.failedLogins, 0, "nor do they count towards the account's 100 in a row")

        server.clock.advance(seconds: 15 * 60 + 1)
        XCTAssertEqual(try logIn(owner).location, "/verification/new", "the device's ban ends like any other")
    }

    func testStrangersLockingTheAccountForGoodDoNotKeepTheOwnersBrowserOut() throws {
        server.stop()
        server = try TestServer(environment: ["LOGIN_MAX_FAILURES": "100", "LOGIN_FAILURE_WINDOW": "1", "LOGIN_BAN_DURATION": "1"])
        let owner = try ownersBrowser()
        let stranger = visitor("127.0.0.2")
        try stranger.get("/session/new")
        for i in 1...LoginRegulation.consecutiveFailureCap {
            server.clock.advance(seconds: 2)
            XCTAssertEqual(try stranger.post("/session", [("username", "alice"), ("password", "wrong guess \(i)")]).status, 422)
        }
        server.clock.advance(seconds: 2)
        XCTAssertEqual(try logIn(visitor("127.0.0.3")).status, 422, "locked for strangers")
        XCTAssertEqual(try logIn(owner).location, "/verification/new", "not for the owner's browser")
        XCTAssertEqual(try logIn(visitor("127.0.0.4")).status, 422, "still locked for strangers afterwards")
    }
}

/// A texted passwordless code proves the phone, not the password: it clears no password failures.
final class PasswordlessFailuresTests: IntegrationTestCase {
    override var environment: [String: String] { ["PASSWORDLESS_LOGIN": "on"] }

    func testAPasswordlessLoginLeavesThePasswordFailuresAndTheInARowCount() throws {
        XCTAssertEqual(try logOut(try verifiedUser()).location, "/session/new")
        for i in 2...5 {
            XCTAssertEqual(try logIn(visitor("127.0.0.\(i)"), password: "stranger guess \(i)").status, 422)
        }
        // A passwordless login from a fresh browser (no device cookie) in between.
        let phone = visitor("127.0.0.9")
        try phone.get("/passwordless/new")
        XCTAssertEqual(try phone.post("/passwordless", [("number", "+44 7700 900123")]).location, "/passwordless/code")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        XCTAssertEqual(try phone.post("/passwordless/code", [("code", pin)]).location, "/")

        let state = try server.app.database.read { db in
            try LoginRegulation.status(userID: try XCTUnwrap(try User.find(username: "alice", in: db)).id, now: server.clock.now(), in: db)
        }
        XCTAssertEqual(state.failedLogins, 4, "the 100-in-a-row count survives the code")

        XCTAssertEqual(try logIn(visitor("127.0.0.6"), password: "stranger guess 6").status, 422)
        let refused = try logIn(visitor("127.0.0.7"))
        XCTAssertEqual(refused.status, 422, "4 wrong + a code + 1 wrong = 5: the account is banned")
        XCTAssertNil(refused.location)
    }
}

extension PasswordlessFailuresTests {
    func testTheOwnersBrowserLogsInWithACodeWhileStrangersHaveBannedTheAccount() throws {
        let owner = try verifiedUser()   // a sign-up completed with the texted PIN: a known device
        XCTAssertNotNil(owner.cookies[DeviceCookie.name])
        XCTAssertEqual(try logOut(owner).location, "/session/new")
        for i in 2...6 { XCTAssertEqual(try logIn(visitor("127.0.0.\(i)"), password: "stranger guess \(i)").status, 422) }

        try owner.get("/passwordless/new")
        XCTAssertEqual(try owner.post("/passwordless", [("number", "+44 7700 900123")]).location, "/passwordless/code")
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        XCTAssertEqual(try owner.post("/passwordless/code", [("code", pin)]).location, "/", "the owner's browser gets in")

        let stranger = visitor("127.0.0.8")
        try stranger.get("/passwordless/new")
        XCTAssertEqual(try stranger.post("/passwordless", [("number", "+44 7700 900123")]).location, "/passwordless/code")
        let strangersPIN = try XCTUnwrap(server.lastPIN(to: "+447700900123"))
        let refused = try stranger.post("/passwordless/code", [("code", strangersPIN)])
        XCTAssertEqual(refused.status, 422, "a browser without the cookie is still banned, even with the right code")
        XCTAssertEqual(try logIn(visitor("127.0.0.9")).status, 422, "and so is the password")
    }
}
