import Foundation
import XCTest

/// `twofa users list|show|delete|unlock` and `twofa audit`, run as the built binary
/// against the database of a server that has seen a user.
final class AdminCommandTests: IntegrationTestCase {
    func twofa(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TwofaCommand(server: server).run(arguments)
    }

    func testUsersListShowAuditUnlockDelete() throws {
        let alice = try verifiedUser()
        _ = try logIn(server.browser(), password: "wrong password!")

        let list = try twofa(["users", "list"])
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.contains("alice"), list.out)
        XCTAssertTrue(list.out.contains("+44 ••••••• 123"), "numbers masked: \(list.out)")
        XCTAssertFalse(list.out.contains("+447700900123"))

        let show = try twofa(["users", "show", "alice"])
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertTrue(show.out.contains("failed logins:    1 in a row"), show.out)
        XCTAssertTrue(show.out.contains("state:            active"), show.out)
        XCTAssertFalse(show.out.contains("$2b$"), "never the digest")

        let audit = try twofa(["audit", "alice"])
        XCTAssertEqual(audit.status, 0, audit.err)
        for event in ["registered", "login_failed"] { XCTAssertTrue(audit.out.contains(event), audit.out) }
        XCTAssertTrue(audit.out.contains("127.0.0.1"))

        let unlock = try twofa(["users", "unlock", "alice"])
        XCTAssertEqual(unlock.status, 0, unlock.err)
        XCTAssertTrue(try twofa(["users", "show", "alice"]).out.contains("failed logins:    0 in a row"))
        XCTAssertTrue(try twofa(["audit", "alice"]).out.contains("account_unlocked"))

        let missing = try twofa(["users", "show", "nobody"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("no user named \"nobody\""), missing.err)
        XCTAssertEqual(try twofa(["users", "frobnicate"]).status, 1)

        let delete = try twofa(["users", "delete", "alice"])
        XCTAssertEqual(delete.status, 0, delete.err)
        XCTAssertEqual(try alice.get("/").location, "/session/new", "her sessions went with the account")
        XCTAssertTrue(try twofa(["users", "list"]).out.contains("No users."))
    }
}
