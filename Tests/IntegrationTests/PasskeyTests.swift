import App
import Database
import Foundation
import Security
import XCTest
import TestSupport

/// Passkeys (issue 17) over real sockets, with a software authenticator (`SoftAuthenticator`):
/// adding one on the Two-factor page, the second step, passkey-only login, and the refusals.
class PasskeyTestCase: IntegrationTestCase {
    let number = "+44 7700 900451"

    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T { try server.app.database.read(body) }

    func events(_ kind: String) throws -> Int {
        try read { try $0.queryOne("SELECT count(*) AS n FROM audit_events WHERE event = ?", [.text(kind)])?.int("n") ?? -1 }
    }

    /// Adds `device` as a passkey of the signed-in `browser`; returns the answer to the final POST.
    @discardableResult
    func addPasskey(_ browser: Browser, _ device: SoftAuthenticator, name: String = "Test key") throws -> TestResponse {
        try browser.get("/user/two_factor")
        let page = try browser.post("/user/passkeys/new", [("current_password", password)])
        XCTAssertEqual(page.status, 200, page.body)
        let options = try XCTUnwrap(SoftAuthenticator.options(in: page.body), page.body)
        return try browser.post("/user/passkeys", device.register(options) + [("name", name)])
    }

    /// Logs in with the password and answers the passkey step with `device`.
    func secondStep(_ browser: Browser, _ device: SoftAuthenticator) throws -> TestResponse {
        let login = try logIn(browser)
        XCTAssertEqual(login.location, "/verification/passkey")
        let page = try browser.get("/verification/passkey")
        let options = try XCTUnwrap(SoftAuthenticator.options(in: page.body), page.body)
        return try browser.post("/verification/passkey", device.assert(options))
    }
}

final class PasskeyTests: PasskeyTestCase {
    /// A lost phone often holds the account's synced passkey: the operator's reset removes it.
    func testAnOperatorsSecondFactorResetRemovesThePasskeys() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(browser, device).status, 303)
        let reset = try TwofaCommand(server: server).run(["users", "reset-second-factor", "alice"])
        XCTAssertEqual(reset.status, 0, reset.err)
        XCTAssertTrue(reset.out.contains("passkeys:           1 removed"), reset.out)
        XCTAssertEqual(try read { try $0.queryOne("SELECT count(*) AS n FROM passkeys")?.int("n") }, 0)
        let other = server.browser()
        XCTAssertEqual(try logIn(other).location, "/verification/number/new", "the number step, not the passkey")
    }

    func testAddUseAsTheSecondStepRenameAndRemove() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        // The password comes first.
        try browser.get("/user/two_factor")
        let wrong = try browser.post("/user/passkeys/new", [("current_password", "not it")])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.body.contains("That isn&#39;t your current password"), wrong.body)
        let page = try browser.post("/user/passkeys/new", [("current_password", password)])
        let options = try XCTUnwrap(SoftAuthenticator.options(in: page.body))
        let selection = try XCTUnwrap(options["authenticatorSelection"] as? [String: Any])
        XCTAssertEqual(selection["userVerification"] as? String, "required")
        XCTAssertEqual(selection["residentKey"] as? String, "required")
        XCTAssertEqual(options["attestation"] as? String, "none")
        XCTAssertEqual((options["pubKeyCredParams"] as? [[String: Any]])?.compactMap { $0["alg"] as? Int }, [-7, -8, -257])
        XCTAssertTrue(page.body.contains(#"<script src="/assets/passkeys.js?v="#), page.body)
        let added = try browser.post("/user/passkeys", device.register(options) + [("name", "Work laptop")])
        XCTAssertEqual(added.location, "/user/two_factor", added.body)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("Work laptop"))
        XCTAssertEqual(try events("passkey_added"), 1)

        try logOut(browser)
        let sentBefore = messages(to: "+447700900451").count
        let stepped = try secondStep(browser, device)
        XCTAssertEqual(stepped.location, "/", stepped.body)
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertEqual(messages(to: "+447700900451").count, sentBefore, "the passkey is offered first: nothing texted")
        XCTAssertTrue(try browser.get("/user/sessions").body.contains("signed in with a passkey (Work laptop)"))
        XCTAssertTrue(try browser.get("/user/activity").body.contains("Passkey used for the second step"))
        XCTAssertEqual(try server.metric("twofa_passkeys_total{outcome=\"second_factor\"}"), 1)
        // What we hold: the name and times on /user/data and in its download, never the key or IDs.
        XCTAssertTrue(try browser.get("/user/data").body.contains("Work laptop"))
        let download = try browser.get("/user/data/download").body
        XCTAssertTrue(download.contains("\"name\":\"Work laptop\""), download)
        let stored = try XCTUnwrap(read { try $0.queryOne("SELECT credential_id, user_handle FROM passkeys") })
        XCTAssertFalse(download.contains(stored.string("credential_id")!))
        XCTAssertFalse(download.contains(stored.string("user_handle")!))

        // Rename, then remove (the password again).
        let id = try XCTUnwrap(read { try $0.queryOne("SELECT id FROM passkeys")?.int64("id") })
        try browser.get("/user/two_factor")
        XCTAssertEqual(try browser.post("/user/passkeys", [("id", String(id)), ("name", "Old laptop")], method: "patch").status, 303)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("Old laptop"))
        let refused = try browser.post("/user/passkeys", [("id", String(id)), ("current_password", "nope")], method: "delete")
        XCTAssertEqual(refused.status, 422)
        XCTAssertEqual(try read { try $0.queryOne("SELECT count(*) AS n FROM passkeys")?.int("n") }, 1)
        try browser.get("/user/two_factor")
        let removed = try browser.post("/user/passkeys", [("id", String(id)), ("current_password", password)], method: "delete")
        XCTAssertEqual(removed.location, "/user/two_factor")
        XCTAssertEqual(try read { try $0.queryOne("SELECT count(*) AS n FROM passkeys")?.int("n") }, 0)
        XCTAssertEqual(try events("passkey_removed"), 1)
        // Without a passkey the login texts a code again.
        try logOut(browser)
        XCTAssertEqual(try logIn(browser).location, "/verification/new")
    }

    func testTheSecondStepNeedsUserVerification() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(browser, device).status, 303)
        try logOut(browser)
        device.verifiesUser = false
        let refused = try secondStep(browser, device)
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.body.contains("didn&#39;t check it was you"), refused.body)
        XCTAssertEqual(try browser.get("/").status, 303, "still half logged in")
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"userNotVerified\"}"), 1)
        XCTAssertEqual(try events("passkey_refused"), 1)
        // The page offers the other ways, and they offer the passkey back.
        XCTAssertTrue(refused.body.contains("Text me a code instead"))
        XCTAssertEqual(try browser.post("/verification/resend", []).location, "/verification/new")
        XCTAssertTrue(try browser.get("/verification/new").body.contains("Use your passkey instead"))
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900451"))
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testRegistrationMustVerifyTheUser() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        device.verifiesUser = false
        let refused = try addPasskey(browser, device)
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(try read { try $0.queryOne("SELECT count(*) AS n FROM passkeys")?.int("n") }, 0)
    }

    func testChallengesAreSingleUseShortLivedAndBoundToTheBrowser() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        try browser.get("/user/two_factor")
        let page = try browser.post("/user/passkeys/new", [("current_password", password)])
        let fields = device.register(try XCTUnwrap(SoftAuthenticator.options(in: page.body)))
        // Another signed-in browser cannot finish this browser's ceremony.
        let other = try verifiedUser(username: "bob", number: "+44 7700 900452")
        try other.get("/user/two_factor")
        let stranger = try other.post("/user/passkeys", fields + [("name", "x")])
        XCTAssertEqual(stranger.status, 400)
        XCTAssertTrue(stranger.body.contains("expired or was already used"), stranger.body)
        // Used once…
        XCTAssertEqual(try browser.post("/user/passkeys", fields + [("name", "x")]).status, 303)
        // …and never again (a replay).
        try browser.get("/user/two_factor")
        XCTAssertEqual(try browser.post("/user/passkeys", fields + [("name", "x")]).status, 400)
        // Five minutes at most.
        try logOut(browser)
        XCTAssertEqual(try logIn(browser).location, "/verification/passkey")
        let step = try browser.get("/verification/passkey")
        server.clock.advance(seconds: 301)
        let late = try browser.post("/verification/passkey", device.assert(try XCTUnwrap(SoftAuthenticator.options(in: step.body))))
        XCTAssertEqual(late.status, 400)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"no_challenge\"}"), 3)
    }

    func testAPasskeyWorksOnlyForItsOwnAccountAndOnlyOnce() throws {
        let alice = try verifiedUser(number: number)
        let bob = try verifiedUser(username: "bob", number: "+44 7700 900452")
        let alicesKey = SoftAuthenticator(), bobsKey = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(alice, alicesKey).status, 303)
        XCTAssertEqual(try addPasskey(bob, bobsKey).status, 303)
        // The same credential again (to the same or another account) is refused.
        let again = try addPasskey(bob, alicesKey)
        XCTAssertEqual(again.status, 400)
        XCTAssertTrue(again.body.contains("already registered"), again.body)
        try logOut(bob)
        try logIn(bob, username: "bob")
        let step = try bob.get("/verification/passkey")
        let wrong = try bob.post("/verification/passkey", alicesKey.assert(try XCTUnwrap(SoftAuthenticator.options(in: step.body))))
        XCTAssertEqual(wrong.status, 403)
        XCTAssertTrue(wrong.body.contains("belongs to another account"), wrong.body)
        // A signature by another key over the same data.
        let page = try bob.get("/verification/passkey")
        var forged = bobsKey.assert(try XCTUnwrap(SoftAuthenticator.options(in: page.body)))
        let payload = Base64URL.decode(forged[2].1)! + Digest.sha256(Base64URL.decode(forged[1].1)!)
        forged[3].1 = Base64URL.encode(alicesKey.sign(payload))
        XCTAssertEqual(try bob.post("/verification/passkey", forged).status, 403)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"badSignature\"}"), 1)
    }

    func testBadInputIsA400WithAReason() throws {
        let browser = try verifiedUser(number: number)
        try browser.get("/user/two_factor")
        try browser.post("/user/passkeys/new", [("current_password", password)])
        let garbage = try browser.post("/user/passkeys", [("client_data_json", Base64URL.encode(Array("{}".utf8))),
                                                          ("attestation_object", Base64URL.encode([0x9F, 0x9F]))])
        XCTAssertEqual(garbage.status, 400)
        XCTAssertTrue(garbage.body.contains("clientDataJSON.type"), garbage.body)
        try browser.post("/user/passkeys/new", [("current_password", password)])
        let missing = try browser.post("/user/passkeys", [("name", "x")])
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(missing.body.contains("incomplete"), missing.body)
        // A refusal hands out no new challenge: only the password does (`new`), or a stolen
        // session could add its own passkey by failing once first.
        XCTAssertNil(SoftAuthenticator.options(in: missing.body), "a refused answer must not carry creation options")
        let unasked = try browser.post("/user/passkeys", [("name", "x")])
        XCTAssertNil(SoftAuthenticator.options(in: unasked.body))
        // The activity log has it; the app is still up.
        XCTAssertEqual(try events("passkey_refused"), 3)
        XCTAssertEqual(try browser.get("/user/two_factor").status, 200)
    }

    func testACounterThatGoesBackIsRecordedAndShown() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        device.counter = 10
        XCTAssertEqual(try addPasskey(browser, device).status, 303)
        try logOut(browser)
        XCTAssertEqual(try secondStep(browser, device).location, "/")   // 11
        try logOut(browser)
        device.counter = 3   // a copy that has signed less
        XCTAssertEqual(try secondStep(browser, device).location, "/", "warn (the default) lets it in")
        XCTAssertEqual(try events("passkey_clone_warning"), 1)
        XCTAssertTrue(try browser.get("/user/two_factor").body.contains("May have been copied"))
    }
}

final class PasskeyClonePolicyTests: PasskeyTestCase {
    override var environment: [String: String] { ["PASSKEY_CLONE_POLICY": "refuse"] }

    func testRefusePolicyRefusesACounterThatGoesBack() throws {
        let browser = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        device.counter = 10
        XCTAssertEqual(try addPasskey(browser, device).status, 303)
        try logOut(browser)
        device.counter = 5
        let refused = try secondStep(browser, device)
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.body.contains("may have been copied"), refused.body)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"clone\"}"), 1)
    }
}

final class PasskeyLoginTests: PasskeyTestCase {
    override var environment: [String: String] { ["PASSKEY_LOGIN": "on"] }

    /// Asks for login options as the page script does, answers them with `device`.
    func passkeyLogin(_ browser: Browser, _ device: SoftAuthenticator, userHandle: [UInt8]? = nil) throws -> TestResponse {
        let page = try browser.get("/session/new")
        XCTAssertTrue(page.body.contains("Sign in with a passkey"))
        XCTAssertTrue(page.body.contains(#"autocomplete="username webauthn""#))
        let token = try XCTUnwrap(browser.csrfToken)
        let answer = try browser.post("/passkey_login/options", [])
        XCTAssertEqual(answer.status, 200, answer.body)
        let options = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        XCTAssertEqual((options["allowCredentials"] as? [Any])?.count, 0, "discoverable: no list")
        XCTAssertEqual(options["userVerification"] as? String, "preferred")
        return try browser.post("/passkey_login", device.assert(options, userHandle: userHandle), token: token)
    }

    func testADiscoverablePasskeyWithUserVerificationLogsStraightIn() throws {
        let owner = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(owner, device).status, 303)
        let browser = server.browser()
        let done = try passkeyLogin(browser, device)
        XCTAssertEqual(done.location, "/", done.body)
        XCTAssertEqual(try browser.get("/").status, 200)
        XCTAssertEqual(try events("passkey_login"), 1)
        XCTAssertEqual(try server.metric("twofa_passkeys_total{outcome=\"login_two_factors\"}"), 1)
        XCTAssertTrue(try browser.get("/user/sessions").body.contains("signed in with a passkey"))
    }

    func testWithoutUserVerificationItCountsAsOneFactor() throws {
        let owner = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(owner, device).status, 303)
        device.verifiesUser = false
        let browser = server.browser()
        let done = try passkeyLogin(browser, device)
        XCTAssertEqual(done.location, "/verification/new", "the next step is still asked")
        XCTAssertEqual(try browser.get("/").status, 303)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900451"))
        XCTAssertEqual(try enterPIN(browser, pin).location, "/")
    }

    func testTheUserHandleMustBeThePasskeys() throws {
        let owner = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(owner, device).status, 303)
        let refused = try passkeyLogin(server.browser(), device, userHandle: SecureRandom.bytes(32))
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"user_handle\"}"), 1)
        // An unknown credential is refused without naming any account.
        let unknown = try passkeyLogin(server.browser(), SoftAuthenticator())
        XCTAssertEqual(unknown.status, 403)
        XCTAssertTrue(unknown.body.contains("isn&#39;t registered here"), unknown.body)
    }

    func testAnotherOriginOrRPIDIsRefused() throws {
        let owner = try verifiedUser(number: number)
        let device = SoftAuthenticator()
        XCTAssertEqual(try addPasskey(owner, device).status, 303)
        device.origin = "https://evil.example"
        XCTAssertEqual(try passkeyLogin(server.browser(), device).status, 400)
        device.origin = "http://localhost:3000"
        device.rpIDOverride = "evil.example"
        XCTAssertEqual(try passkeyLogin(server.browser(), device).status, 400)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"originNotAllowed\"}"), 1)
        XCTAssertEqual(try server.metric("twofa_passkeys_refused_total{reason=\"rpIDMismatch\"}"), 1)
    }
}

final class PasskeyLoginOffTests: PasskeyTestCase {
    func testPasskeyLoginIsOffByDefault() throws {
        let page = try server.browser().get("/session/new")
        XCTAssertFalse(page.body.contains("Sign in with a passkey"))
        let browser = server.browser()
        try browser.get("/session/new")
        XCTAssertEqual(try browser.post("/passkey_login/options", []).status, 404)
    }
}
