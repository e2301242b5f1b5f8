import App
import Security
import Foundation
import XCTest
import TestSupport

/// Brute-force regulation of password attempts (defaults: 5 failures in 10 minutes ban
/// the account or the IP for 15 minutes; 100 in a row lock the account for good).
final class LoginRegulationTests: IntegrationTestCase {
    let generic = "That username and password don&#39;t match an account."

    func attempt(_ browser: Browser, _ username: String = "alice", _ password: String) throws -> TestResponse {
        try logIn(browser, username: username, password: password)
    }

    func testFiveFailuresBanTheAccountEvenForTheRightPasswordUntilTheBanEnds() throws {
        _ = try verifiedUser()
        // Five wrong passwords, each from a different IP: only the account limit is reached.
        for i in 2...6 {
            let wrong = try attempt(visitor("127.0.0.\(i)"), "alice", "wrong password \(i)")
            XCTAssertEqual(wrong.status, 422)
        }
        let mallory = visitor("127.0.0.7")
        let refused = try attempt(mallory, "alice", password)
        XCTAssertEqual(refused.status, 422, "the right password is refused during the ban")
        XCTAssertTrue(refused.body.contains(generic), "same message as a wrong password")
        XCTAssertNil(refused.location)

        server.clock.advance(seconds: 14 * 60)
        XCTAssertEqual(try attempt(visitor("127.0.0.8"), "alice", password).status, 422, "still banned after 14 minutes")
        server.clock.advance(seconds: 61)
        XCTAssertEqual(try attempt(visitor("127.0.0.8"), "alice", password).location, "/verification/new",
                       "the ban lifts after 15 minutes")
    }

    func testFourFailuresThenTheRightPasswordResetsTheCount() throws {
        _ = try verifiedUser()
        for i in 2...5 { XCTAssertEqual(try attempt(visitor("127.0.0.\(i)"), "alice", "wrong \(i) wrong").status, 422) }
        XCTAssertEqual(try attempt(visitor("127.0.0.6"), "alice", password).location, "/verification/new")
        for i in 2...5 { XCTAssertEqual(try attempt(visitor("127.0.0.\(i)"), "alice", "wrong \(i) again").status, 422) }
        XCTAssertEqual(try attempt(visitor("127.0.0.6"), "alice", password).location, "/verification/new",
                       "a success started the count again")
    }

    func testFiveFailuresFromOneIPAcrossUsernamesBanTheIP() throws {
        _ = try verifiedUser()
        let attacker = visitor("127.0.0.9")
        for name in ["bob", "carol", "dave", "erin", "alice"] {
            XCTAssertEqual(try attempt(attacker, name, "guess guess guess").status, 422)
        }
        let refused = try attempt(attacker, "alice", password)
        XCTAssertEqual(refused.status, 422, "the IP is banned, whatever the account")
        XCTAssertTrue(refused.body.contains(generic))
        XCTAssertEqual(try attempt(visitor("127.0.0.10"), "alice", password).location, "/verification/new",
                       "alice herself, from another IP, is not locked out (she had only one failure)")
    }

    func testBanSurvivesARestart() throws {
        _ = try verifiedUser()
        for i in 2...6 { XCTAssertEqual(try attempt(visitor("127.0.0.\(i)"), "alice", "wrong \(i) wrong").status, 422) }
        let directory = server.directory
        server.stop(keepingFiles: true)
        server = try TestServer(reusing: directory)
        XCTAssertEqual(try attempt(visitor("127.0.0.7"), "alice", password).status, 422, "banned after the restart")
        server.clock.advance(seconds: 15 * 60 + 1)
        XCTAssertEqual(try attempt(visitor("127.0.0.7"), "alice", password).location, "/verification/new")
    }

    func testRefusedAttemptRunsOnlyTheDummyBcrypt() throws {
        // Records what the pool is asked to do (no timing involved).
        let calls = Calls()
        let engine = PasswordHasher.Engine(hash: { calls.add("hash:\($1)"); return try BCrypt.hash($0, cost: $1) },
                                           verify: { calls.add("verify:\(BCrypt.cost(of: $1) ?? -1)"); return BCrypt.verify($0, against: $1) })
        server.stop()
        server = try TestServer(environment: ["BCRYPT_COST": "5"],
                                passwords: PasswordHasher(threads: 1, queueLimit: 4, cost: 5, engine: engine))
        _ = try verifiedUser()
        XCTAssertEqual(calls.take(), ["hash:5"], "sign-up hashes at the configured cost")

        XCTAssertEqual(try attempt(server.browser(), "nobody", password).status, 422)
        XCTAssertEqual(calls.take(), ["hash:5"], "an unknown username costs one bcrypt at the configured cost")
        XCTAssertEqual(try attempt(server.browser(), "alice", "wrong wrong wrong").status, 422)
        XCTAssertEqual(calls.take(), ["verify:5"], "a wrong password is checked against the real digest")

        for _ in 0..<3 { _ = try attempt(server.browser(), "alice", "wrong wrong wrong") }
        _ = calls.take()
        // Fifth failure from 127.0.0.1 (the unknown one counts for the IP): now banned.
        let refused = try attempt(server.browser(), "alice", password)
        XCTAssertEqual(refused.status, 422)
        XCTAssertEqual(calls.take(), ["hash:5"], "a refused attempt never touches the real digest but still spends one bcrypt")
    }

    func testHundredConsecutiveFailuresLockTheAccountUntilUnlocked() throws {
        server.stop()
        // Whatever the configuration (here: the most lenient bans), 100 failures in a row lock the account.
        server = try TestServer(environment: ["LOGIN_MAX_FAILURES": "100", "LOGIN_FAILURE_WINDOW": "1", "LOGIN_BAN_DURATION": "1"])
        _ = try verifiedUser()
        let browser = server.browser()
        try browser.get("/session/new")
        for i in 1...LoginRegulation.consecutiveFailureCap {
            server.clock.advance(seconds: 2)   // outside the 1-second window: no temporary ban ever starts
            let wrong = try browser.post("/session", [("username", "alice"), ("password", "wrong guess \(i)")])
            XCTAssertEqual(wrong.status, 422)
        }
        server.clock.advance(seconds: 86_400)
        let refused = try attempt(server.browser(), "alice", password)
        XCTAssertEqual(refused.status, 422, "locked a day later, even with the right password")
        XCTAssertTrue(refused.body.contains(generic))

        let output = try UserAdmin.unlock(server.app.config, username: "alice", now: server.clock.now())
        XCTAssertTrue(output.contains("Unlocked alice"), output)
        XCTAssertEqual(try attempt(server.browser(), "alice", password).location, "/verification/new")
    }

    func testUnknownUsernameAndWrongPasswordLookTheSame() throws {
        _ = try verifiedUser()
        let unknown = try attempt(visitor("127.0.0.2"), "zed", "some password here")
        let wrong = try attempt(visitor("127.0.0.3"), "alice", "some password here")
        XCTAssertEqual(unknown.status, 422)
        XCTAssertEqual(wrong.status, 422)
        XCTAssertEqual(normalise(unknown.body, username: "zed"), normalise(wrong.body, username: "alice"),
                       "same page for an unknown username and a wrong password")
        XCTAssertEqual(unknown.header("content-type"), wrong.header("content-type"))
        XCTAssertEqual(unknown.headers("set-cookie").count, wrong.headers("set-cookie").count)
    }

    // MARK: Helpers

    /// The page minus what differs by design: the CSRF token and the username typed.
    func normalise(_ body: String, username: String) -> String {
        body.replacingOccurrences(of: #"value="[A-Za-z0-9_-]{40,}""#, with: "TOKEN", options: .regularExpression)
            .replacingOccurrences(of: "value=\"\(username)\"", with: "USERNAME")
    }

    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
        func take() -> [String] { lock.lock(); defer { items = []; lock.unlock() }; return items }
    }
}
