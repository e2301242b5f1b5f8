import App
import Database
import Foundation
import Security
import XCTest
import TestSupport

/// Issue 14, "See and take my data": /user/data shows what we hold, the number masked until the
/// password is given again; the download is the same as JSON and holds no secret.
final class AccountDataTests: LeavingTestCase {
    func json(_ response: TestResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any], response.body)
    }

    /// Every key in a JSON document, at any depth.
    func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.keys + object.values.flatMap(keys) }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }

    func testThePageShowsWhatWeHoldWithTheNumberMasked() throws {
        let browser = try leaver()
        XCTAssertTrue(try browser.get("/user/edit").body.contains("href=\"/user/data\""))
        let page = try browser.get("/user/data")
        XCTAssertEqual(page.status, 200, page.body)
        for expected in [username, "+44 ••••••• 417", "Account created", "Code accepted", "Recovery codes left",
                         "Download as JSON", "Show my full number"] {
            XCTAssertTrue(page.body.contains(expected), "\(expected) in \(page.body)")
        }
        XCTAssertFalse(page.body.contains("7700900417"), "the full number only after the password")
    }

    func testTheFullNumberNeedsThePasswordAgain() throws {
        let browser = try leaver()
        try browser.get("/user/data")
        let wrong = try browser.post("/user/data/number", [("current_password", "not my password")])
        XCTAssertEqual(wrong.status, 422)
        XCTAssertFalse(wrong.body.contains("7700900417"))
        XCTAssertFalse(try browser.get("/user/data/download").body.contains("7700900417"))

        try browser.get("/user/data")
        let right = try browser.post("/user/data/number", [("current_password", password)])
        XCTAssertEqual(right.location, "/user/data", "\(right.status) \(right.body)")
        XCTAssertTrue(try browser.get("/user/data").body.contains(number))
        let account = try XCTUnwrap(try json(browser.get("/user/data/download"))["account"] as? [String: Any])
        XCTAssertEqual(account["number"] as? String, number)
        XCTAssertEqual(account["number_shown_in_full"] as? Bool, true)

        // For a few minutes only, and for this session only.
        server.clock.advance(seconds: 301)
        XCTAssertFalse(try browser.get("/user/data").body.contains(number))
        let other = server.browser()
        try logIn(other, username: username)
        _ = try enterPIN(other, try XCTUnwrap(server.lastPIN(to: number)))
        XCTAssertFalse(try other.get("/user/data/download").body.contains("7700900417"))
        let id = try XCTUnwrap(userID())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ? AND event = 'full_number_shown'",
                                 [.integer(id)]), 1)
    }

    func testTheDownloadIsTheSameAsJSONAndHoldsNoSecret() throws {
        let browser = try leaver()
        let app = try turnOnApp(browser)
        // A remembered device too, from a second login.
        let other = server.browser()
        try logIn(other, username: username)
        try other.get("/verification/new")
        XCTAssertEqual(try other.post("/verification/totp", [("code", app.totp.code(at: server.clock.now())), ("remember", "1")]).location, "/")
        try browser.get("/user/data")
        XCTAssertEqual(try browser.post("/user/data/number", [("current_password", password)]).location, "/user/data")

        let download = try browser.get("/user/data/download")
        XCTAssertEqual(download.status, 200, download.body)
        XCTAssertEqual(download.header("Content-Type"), "application/json")
        XCTAssertEqual(download.header("Content-Disposition"), "attachment; filename=\"twofa-account-data.json\"")
        let document = try json(download)
        let account = try XCTUnwrap(document["account"] as? [String: Any])
        XCTAssertEqual(account["username"] as? String, username)
        let factors = try XCTUnwrap(document["factors"] as? [String: Any])
        XCTAssertEqual(factors["authenticator_app"] as? Bool, true)
        XCTAssertEqual(factors["recovery_codes_left"] as? Int, 10)
        XCTAssertEqual(factors["remembered_device_count"] as? Int, 1)
        XCTAssertEqual((document["sessions"] as? [Any])?.count, 2)
        XCTAssertEqual((document["remembered_devices"] as? [Any])?.count, 1)
        let activity = try XCTUnwrap(document["activity"] as? [[String: Any]])
        XCTAssertTrue(activity.contains { $0["event"] as? String == "totp_enabled" })
        XCTAssertEqual(activity.last?["event"] as? String, "data_downloaded")

        // No key that names a secret, and no secret we hold, in any form we keep it.
        for key in keys(document) {
            for word in ["digest", "secret", "token", "hash", "password_", "code_"] {
                XCTAssertFalse(key.lowercased().contains(word), "key \(key)")
            }
        }
        let id = try XCTUnwrap(userID())
        var secrets: [String] = [Base32.encode(app.totp.secret)] + app.recoveryCodes + app.recoveryCodes.map { $0.replacingOccurrences(of: "-", with: "") }
        try read { db in
            secrets += try db.query("SELECT password_digest FROM users WHERE id = ?", [.integer(id)]).compactMap { $0.string("password_digest") }
            secrets += try db.query("SELECT token_digest FROM sessions WHERE user_id = ?", [.integer(id)]).compactMap { $0.string("token_digest") }
            secrets += try db.query("SELECT token_digest FROM remembered_devices WHERE user_id = ?", [.integer(id)]).compactMap { $0.string("token_digest") }
            secrets += try db.query("SELECT code_digest FROM recovery_codes WHERE user_id = ?", [.integer(id)]).compactMap { $0.string("code_digest") }
            secrets += try db.query("SELECT device FROM login_devices WHERE user_id = ?", [.integer(id)]).compactMap { $0.string("device") }
            secrets += try db.query("SELECT secret_box FROM totp_credentials WHERE user_id = ?", [.integer(id)]).compactMap {
                if case .blob(let bytes) = $0["secret_box"] { return Hex.encode(bytes) } else { return nil }
            }
        }
        secrets += browser.cookies.values.filter { $0.count >= 16 } + other.cookies.values.filter { $0.count >= 16 }
        XCTAssertGreaterThan(secrets.count, 25)
        for secret in secrets where !secret.isEmpty {
            XCTAssertFalse(download.body.contains(secret), "a secret in the download: \(secret.prefix(12))…")
        }
        XCTAssertEqual(try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ? AND event = 'data_downloaded'",
                                 [.integer(id)]), 1)
        XCTAssertEqual(try server.metric("twofa_data_downloads_total"), 1)
    }

    /// A long log: the page shows the newest 200 events and says how many older ones the
    /// download holds; the download holds every one.
    func testThePageShowsTheNewestEventsAndTheDownloadHoldsThemAll() throws {
        let browser = try leaver()
        let id = try XCTUnwrap(userID())
        try server.app.database.write { db in
            for i in 1...250 {
                try AuditLog.record(.pinSent, userID: id, detail: String(format: "probe %03d", i), ip: "127.0.0.1", userAgent: "",
                                    now: server.clock.now(), in: db)
            }
        }
        let total = try count("SELECT count(*) AS n FROM audit_events WHERE user_id = ?", [.integer(id)])
        XCTAssertGreaterThan(total, 250)

        let page = try browser.get("/user/data")
        XCTAssertEqual(page.status, 200, page.body)
        XCTAssertEqual(page.body.components(separatedBy: "probe ").count - 1, 200, "the newest 200 events")
        XCTAssertTrue(page.body.contains("probe 250") && page.body.contains("probe 051"), page.body)
        XCTAssertFalse(page.body.contains("probe 050"))
        XCTAssertTrue(page.body.contains("the download holds these and the \(total - 200) older ones"), page.body)

        let activity = try XCTUnwrap(try json(browser.get("/user/data/download"))["activity"] as? [[String: Any]])
        XCTAssertEqual(activity.count, total + 1, "every event, and the download's own")
        XCTAssertEqual(activity.filter { ($0["detail"] as? String)?.hasPrefix("probe ") == true }.count, 250)

        // A short log has no such line.
        let short = try verifiedUser(username: "short_zq", number: "+44 7700 900423")
        XCTAssertFalse(try short.get("/user/data").body.contains("id=\"older-events\""))
    }
}
