import App
import Foundation
import HTTP
import XCTest
import TestSupport

/// A login storm fills the bcrypt pool: further logins get 503 + Retry-After at once,
/// and page views still get through because waiting logins can't hold every worker.
final class LoginStormTests: IntegrationTestCase {
    /// Holds every hash until opened, so the test fills the pool on purpose (no timing).
    final class Gate: @unchecked Sendable {
        private let condition = NSCondition()
        private var open = true
        func set(open: Bool) { condition.lock(); self.open = open; condition.broadcast(); condition.unlock() }
        func pass() { condition.lock(); while !open { condition.wait() }; condition.unlock() }
    }

    /// Statuses gathered from the storming threads.
    final class Statuses: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int] = []
        func append(_ item: Int) { lock.lock(); items.append(item); lock.unlock() }
        var all: [Int] { lock.lock(); defer { lock.unlock() }; return items }
    }

    let gate = Gate()
    var hasher: PasswordHasher!

    override func setUpWithError() throws {
        let real = PasswordHasher.Engine.bcrypt, gate = self.gate
        let engine = PasswordHasher.Engine(hash: { gate.pass(); return try real.hash($0, $1) },
                                           verify: { gate.pass(); return real.verify($0, $1) })
        // One hashing + one waiting, with four HTTP workers: two stay free for pages.
        hasher = PasswordHasher(threads: 1, queueLimit: 1, cost: 4, engine: engine)
        server = try TestServer(environment: ["WORKER_THREADS": "4", "BCRYPT_THREADS": "1", "BCRYPT_QUEUE": "1"],
                                passwords: hasher)
    }

    override func tearDown() {
        gate.set(open: true)
        super.tearDown()
        hasher?.stop()
    }

    func testFullPoolAnswers503WhilePagesStillLoad() throws {
        let alice = try verifiedUser()
        let login = HTTPRequest(method: "POST", target: "/session")
        XCTAssertFalse(server.app.answersOnEventLoop(login), "a login with room in the pool goes to a worker")

        // Two logins (wrong password) occupy the pool's thread and its queue.
        let stormers = (0..<2).map { _ in server.browser() }
        for browser in stormers { try browser.get("/session/new") }
        gate.set(open: false)
        let finished = DispatchGroup()
        let statuses = Statuses()
        for browser in stormers {
            DispatchQueue.global().async(group: finished) { [password] in
                let status = (try? browser.post("/session", [("username", "alice"), ("password", password + "x")]))?.status ?? -1
                statuses.append(status)
            }
        }
        eventually("the logins reach the pool") { hasher.load.inFlight >= 2 }
        XCTAssertEqual(hasher.load.inFlight, 2, "the logins never reached the pool")
        // Now its 503 is answered on the event loop, with no hand-off to a worker.
        XCTAssertTrue(server.app.answersOnEventLoop(login))

        // A third login is refused at once, with a page saying to retry.
        let late = server.browser()
        try late.get("/session/new")
        let refused = try late.post("/session", [("username", "alice"), ("password", password)])
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("retry-after"), "1")
        XCTAssertTrue(refused.body.contains("busy"), refused.body)
        XCTAssertEqual(refused.header("cache-control"), "no-store")
        XCTAssertEqual(refused.header("connection"), "close", "a refused client reconnects rather than spin on this connection")
        XCTAssertNil(refused.header("set-cookie").flatMap { $0.hasPrefix("twofa_session=") && !$0.contains("Max-Age=0") ? $0 : nil },
                     "a refused login must not start a session")
        // Refused before the CSRF check, the session lookup and the filters (Route.hashesPassword):
        // that is what keeps a storm of refusals cheap.
        XCTAssertEqual(try server.browser().postWithoutToken("/session", [("username", "alice"), ("password", "x")]).status, 503)

        // Sign-up hashes too: refused the same way, nothing created.
        let newcomer = server.browser()
        try newcomer.get("/user/new")
        let refusedSignUp = try newcomer.post("/user", [("username", "bob"), ("password", password),
                                                 ("password_confirmation", password), ("number", "+44 7700 900456")])
        XCTAssertEqual(refusedSignUp.status, 503)
        XCTAssertEqual(refusedSignUp.header("retry-after"), "1")

        // Meanwhile the protected page and the login form still load, and logging out (a POST
        // to the same path, `_method=delete`) is not mistaken for a login.
        let page = try alice.get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("alice"))
        XCTAssertEqual(try server.browser().get("/session/new").status, 200)
        XCTAssertEqual(try logOut(alice).status, 303)
        XCTAssertEqual(try alice.get("/").location, "/session/new")

        gate.set(open: true)
        XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(statuses.all, [422, 422])
        XCTAssertFalse(server.app.answersOnEventLoop(login))
        XCTAssertEqual(hasher.load.refused, 3)

        // Once the storm has passed, the refused visitors try again and get through.
        XCTAssertEqual(try logIn(late).status, 303)
        XCTAssertEqual(try signUp(newcomer, username: "bob", number: "+44 7700 900456").status, 303)
    }
}
