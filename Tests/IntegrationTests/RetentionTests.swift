import App
import Database
import Foundation
import XCTest
import TestSupport
import Verify

/// What we keep, and for how long (issue 14 §5): the retention pruner against the real
/// server's database (SQLite, or PostgreSQL with TWOFA_TEST_POSTGRES_URL), the Verify API over
/// its socket, `twofa db prune` as the built binary.
final class RetentionTests: IntegrationTestCase {
    static let day: Int64 = 86_400

    func count(_ table: String, on server: TestServer? = nil) throws -> Int {
        try (server ?? self.server).app.database.read { try $0.queryOne("SELECT count(*) AS n FROM \(table)")?.int("n") } ?? -1
    }

    func write(_ sql: String, _ parameters: [SQLValue] = []) throws {
        try server.app.database.write { try $0.execute(sql, parameters) }
    }

    var now: Int64 { server.clock.now() }

    func status(_ answer: [String: Any]) -> String? { answer["status"] as? String }

    /// An answer with the request id it names replaced by a placeholder, to compare two
    /// answers about different ids.
    func anonymised(_ answer: [String: Any], id: String) -> NSDictionary {
        var copy = answer
        for (key, value) in answer {
            if let text = value as? String { copy[key] = text.replacingOccurrences(of: id, with: "<id>") }
        }
        return copy as NSDictionary
    }

    // MARK: Verify requests

    /// A request still waiting for its code stays whatever its age; an ended one stays for
    /// VERIFY_RETENTION_DAYS, then goes with its events and checks.
    func testEndedRequestsGoAfterTheWindowWithTheirEventsAndChecksLiveOnesStay() throws {
        let api = try VerifyAPIClient.create(on: server)
        let live = try XCTUnwrap(try api.request("447700900201", [("workflow_id", "6")])["request_id"] as? String)
        let old = try XCTUnwrap(try api.request("447700900202", [("workflow_id", "6")])["request_id"] as? String)
        let oldPIN = try XCTUnwrap(server.lastPIN(to: "+447700900202"))
        XCTAssertEqual(status(try api.check(old, oldPIN == "000000" ? "111111" : "000000")), "16", "a wrong code: one check")
        XCTAssertEqual(status(try api.check(old, oldPIN)), "0", "ended: SUCCESS")

        server.clock.advance(seconds: 29 * Self.day)
        let recent = try XCTUnwrap(try api.request("447700900203", [("workflow_id", "6")])["request_id"] as? String)
        XCTAssertEqual(status(try api.check(recent, try XCTUnwrap(server.lastPIN(to: "+447700900203")))), "0")
        server.clock.advance(seconds: 2 * Self.day)   // `old` ended 31 days ago, `recent` 2 days ago

        XCTAssertEqual(status(try api.search(old)), "SUCCESS", "still there before the pruner runs")
        let report = try server.prune()
        XCTAssertFalse(report.busy)
        XCTAssertEqual(report.rows("verify_requests"), 1, "\(report)")
        XCTAssertEqual(report.rows("verify_events"), 1, "\(report)")
        XCTAssertEqual(report.rows("verify_checks"), 2, "\(report)")

        let ids = try server.app.database.read { try $0.query("SELECT request_id FROM verify_requests ORDER BY id") }
            .compactMap { $0.string("request_id") }
        XCTAssertEqual(ids, [live, recent], "the live request (31 days old) and the recent one stay")
        XCTAssertEqual(try count("verify_events"), 2, "one event each for the two that stay")
        XCTAssertEqual(try count("verify_checks"), 1, "the recent request's check")
        XCTAssertEqual(try server.app.database.read {
            try $0.queryOne("SELECT count(*) AS n FROM verify_checks c JOIN verify_requests r ON r.id = c.request_pk")?.int("n")
        }, 1, "no check is left without its request")
        XCTAssertEqual(try server.prune().rows("verify_requests"), 0, "nothing more to remove")
    }

    /// Search, check and control of a pruned request answer exactly as for an id we never
    /// issued: Vonage's "No response found" (101) for search, as it answers for old requests.
    func testAPrunedRequestIsAnsweredLikeAnUnknownOne() throws {
        let api = try VerifyAPIClient.create(on: server)
        let pruned = try XCTUnwrap(try api.request("447700900211", [("workflow_id", "6")])["request_id"] as? String)
        XCTAssertEqual(status(try api.check(pruned, try XCTUnwrap(server.lastPIN(to: "+447700900211")))), "0")
        server.clock.advance(seconds: 31 * Self.day)
        XCTAssertEqual(try server.prune().rows("verify_requests"), 1)

        let unknown = String(repeating: "ab", count: 16)
        let search = try api.search(pruned)
        XCTAssertEqual(status(search), "101", "\(search)")
        XCTAssertEqual(search["error_text"] as? String, "No response found")
        XCTAssertEqual(anonymised(search, id: pruned), anonymised(try api.search(unknown), id: unknown))
        XCTAssertEqual(anonymised(try api.check(pruned, "123456"), id: pruned), anonymised(try api.check(unknown, "123456"), id: unknown))
        for cmd in ["cancel", "trigger_next_event"] {
            XCTAssertEqual(anonymised(try api.control(pruned, cmd), id: pruned), anonymised(try api.control(unknown, cmd), id: unknown), cmd)
        }
    }

    /// The shortest retention (1 day) against the longest throttle window (1 day): a send the
    /// per-number limit still counts is never pruned, so pruning can't reopen the limit.
    func testThePerNumberLimitStillCountsWhatItCountsAfterAPass() throws {
        server.stop()
        server = try TestServer(environment: ["VERIFY_RETENTION_DAYS": "1", "VERIFY_SEND_WINDOW": "86400",
                                              "VERIFY_MAX_SENDS_PER_NUMBER": "1"])
        XCTAssertEqual(VerifyRetention.keepSeconds(days: 1, throttleWindow: 86_400), Self.day)
        XCTAssertEqual(VerifyRetention.keepSeconds(days: 1, throttleWindow: 100_000), 100_000, "never below the window")
        let api = try VerifyAPIClient.create(on: server)
        let id = try XCTUnwrap(try api.request("447700900221", [("workflow_id", "6")])["request_id"] as? String)
        XCTAssertEqual(status(try api.check(id, try XCTUnwrap(server.lastPIN(to: "+447700900221")))), "0", "ended")
        server.clock.advance(seconds: Self.day - 1)
        XCTAssertEqual(try server.prune().rows("verify_events"), 0, "its send is still inside the window")
        XCTAssertEqual(status(try api.request("447700900221", [("workflow_id", "6")])), "1", "so the number is still at its limit")
        server.clock.advance(seconds: 2)
        XCTAssertEqual(try server.prune().rows("verify_requests"), 1, "out of the window and the retention: gone")
        XCTAssertEqual(status(try api.request("447700900221", [("workflow_id", "6")])), "0")
    }

    /// The untold flows' rows are what their per-address request limit counts: a pass keeps
    /// them for VERIFY_SEND_WINDOW even when their code is long dead.
    func testThePerAddressRequestLimitStillCountsWhatItCountsAfterAPass() throws {
        server.stop()
        server = try TestServer(environment: ["PASSWORDLESS_LOGIN": "on", "VERIFY_SEND_WINDOW": "3600", "VERIFY_MAX_SENDS_PER_IP": "1"])
        _ = try verifiedUser()
        try askForCode(visitor("127.0.0.9"), "+447700900999")   // no account: nothing sent, but one request counted
        server.clock.advance(seconds: 1_200)                         // past 2 × PIN_EXPIRY + 1 min, inside the window
        _ = try server.prune()
        let before = messages(to: "+447700900123").count
        try askForCode(visitor("127.0.0.9"), "+447700900123")
        XCTAssertEqual(messages(to: "+447700900123").count, before, "the address is still at its limit after the pass")
        server.clock.advance(seconds: 3_601)
        XCTAssertGreaterThan(try server.prune().rows("passwordless_logins"), 0, "out of the window: they go")
        XCTAssertEqual(try count("passwordless_logins"), 0)
        try askForCode(visitor("127.0.0.9"), "+447700900123")
        XCTAssertEqual(messages(to: "+447700900123").count, before + 1, "and the address may ask again")
    }

    // MARK: The other tables

    func testAuditEventsOlderThanTheWindowGoNewerStay() throws {
        _ = try verifiedUser()
        let before = try count("audit_events")
        XCTAssertGreaterThan(before, 0, "signing up left audit events")
        server.clock.advance(seconds: 300 * Self.day)
        try write("INSERT INTO audit_events (user_id, event, created_at) VALUES (1, 'login', ?)", [.integer(now)])
        XCTAssertEqual(try server.prune().rows("audit_events"), 0, "within AUDIT_RETENTION_DAYS (365)")
        server.clock.advance(seconds: 66 * Self.day)   // sign-up's events are 366 days old, the newer one 66
        XCTAssertEqual(try server.prune().rows("audit_events"), before)
        XCTAssertEqual(try server.app.database.read { try $0.query("SELECT created_at FROM audit_events") }.compactMap { $0.int64("created_at") },
                       [now - 66 * Self.day])
    }

    /// Each table that grows: a row its rule says is dead goes, one still read stays.
    func testEachRuleRemovesWhatNothingReadsAndKeepsTheRest() throws {
        _ = try verifiedUser()   // user 1, with a live session
        let t = now
        try write("UPDATE sessions SET last_seen_at = ?", [.integer(t)])
        // Three more live sessions, each with a pending number change (one per session).
        var changeSessions: [SQLValue] = []
        for name in ["change-1", "change-2", "change-3"] {
            changeSessions.append(.integer(try server.app.database.write {
                try $0.insert("INSERT INTO sessions (token_digest, user_id, csrf_secret, created_at, last_seen_at) VALUES (?, 1, ?, ?, ?)",
                              [.text(name), .blob([0]), .integer(t), .integer(t)])
            }))
        }
        try write("""
            INSERT INTO sessions (token_digest, user_id, csrf_secret, created_at, last_seen_at) VALUES
                ('idle', 1, ?, ?, ?), ('too-old', 1, ?, ?, ?)
            """, [.blob([0]), .integer(t - 3_600), .integer(t - 1_801), .blob([0]), .integer(t - 43_201), .integer(t)])
        // A live request for one change, none yet for another (the code on its way).
        try write("""
            INSERT INTO verify_requests (request_id, account_id, number, brand, code_length, pin_expiry, next_event_wait,
                workflow_id, status, created_at) VALUES ('live-change', 'web', '+447700900301', 'twofa', 6, 300, 300, 6, 'IN PROGRESS', ?)
            """, [.integer(t - 5_000)])
        try write("""
            INSERT INTO number_changes (session_id, user_id, new_number, verify_request_id, created_at) VALUES
                (?, 1, '+447700900301', 'live-change', ?), (?, 1, '+447700900302', NULL, ?), (?, 1, '+447700900303', 'ended', ?)
            """, [changeSessions[0], .integer(t - 5_000), changeSessions[1], .integer(t), changeSessions[2], .integer(t - 661)])
        try write("INSERT INTO passwordless_logins (token_digest, number, created_at) VALUES ('old', '+447700900304', ?), ('new', '+447700900304', ?)",
                  [.integer(t - 661), .integer(t - 600)])
        try write("INSERT INTO password_resets (token_digest, user_id, created_at) VALUES ('old', NULL, ?), ('new', 1, ?)",
                  [.integer(t - Self.day - 1), .integer(t - Self.day + 1)])
        try write("INSERT INTO signup_attempts (ip, attempted_at) VALUES ('10.0.0.1', ?), ('10.0.0.1', ?)", [.integer(t - 3_600), .integer(t - 3_599)])
        try write("INSERT INTO login_failures (user_id, ip, failed_at) VALUES (1, '10.0.0.2', ?), (1, '10.0.0.2', ?)", [.integer(t - 600), .integer(t - 599)])
        try write("INSERT INTO second_factor_failures (user_id, session_key, failed_at) VALUES (1, 'k', ?), (1, 'k', ?)",
                  [.integer(t - 600), .integer(t - 599)])
        try write("INSERT INTO login_bans (scope, subject, banned_until) VALUES ('ip', '10.0.0.3', ?), ('ip', '10.0.0.4', ?)",
                  [.integer(t), .integer(t + 1)])
        try write("""
            INSERT INTO login_devices (device, user_id, failed_logins, banned_until, locked_at) VALUES
                ('empty', 1, 0, ?, NULL), ('streak', 1, 3, NULL, NULL), ('banned', 1, 0, ?, NULL), ('locked', 1, 0, NULL, ?)
            """, [.integer(t - 1), .integer(t + 60), .integer(t - Self.day)])
        try write("INSERT INTO remembered_devices (user_id, token_digest, created_at, expires_at) VALUES (1, 'a', ?, ?), (1, 'b', ?, ?)",
                  [.integer(t - 30 * Self.day), .integer(t), .integer(t - 29 * Self.day), .integer(t + 1)])
        try write("INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES ('k', ?, 1), ('k', ?, 1)",
                  [.integer(t - 121), .integer(t - t % 60)])
        try write("INSERT INTO verify_hourly_sends (hour, sends) VALUES (?, 1), (?, 1)", [.integer(t / 3_600 - 2), .integer(t / 3_600)])
        let revoked = try VerifyAPIClient.create(on: server, name: "revoked"), kept = try VerifyAPIClient.create(on: server, name: "kept")
        XCTAssertTrue(try APIKeyCommands.revoke(server.app.config, apiKey: revoked.apiKey))
        try write("INSERT INTO verify_budgets (account_id, daily_limit) VALUES (?, 10), (?, 10)", [.text(revoked.apiKey), .text(kept.apiKey)])

        let report = try server.prune()
        let expected: [(String, Int, String)] = [
            ("sessions", 2, "idle past SESSION_IDLE_TIMEOUT and past SESSION_LIFETIME"),
            ("number_changes", 1, "the one whose request has ended (it has none) and is past 2 × PIN_EXPIRY"),
            ("passwordless_logins", 1, "past 2 × PIN_EXPIRY"), ("password_resets", 1, "older than a day"),
            ("signup_attempts", 1, "outside SIGNUP_WINDOW"),
            ("login_failures", 1, "outside LOGIN_FAILURE_WINDOW"), ("second_factor_failures", 1, "outside LOGIN_FAILURE_WINDOW"),
            ("login_bans", 1, "the ban that has run out"), ("login_devices", 1, "the row that holds no streak, ban or lock"),
            ("remembered_devices", 1, "the expired one"), ("api_rate_windows", 1, "the old minute"),
            ("verify_hourly_sends", 1, "the hour before last"), ("verify_budgets", 1, "the revoked key's"),
        ]
        for (table, removed, why) in expected {
            XCTAssertEqual(report.rows(table), removed, "\(table): \(why)\n\(report)")
        }
        XCTAssertEqual(try count("sessions"), 4, "the live sessions stay")
        XCTAssertEqual(try server.app.database.read { try $0.query("SELECT new_number FROM number_changes ORDER BY id") }
            .compactMap { $0.string("new_number") }, ["+447700900301", "+447700900302"],
                       "the change waiting for its live request (however old) and the one whose code is on its way stay")
        XCTAssertEqual(try server.app.database.read { try $0.query("SELECT device FROM login_devices ORDER BY device") }
            .compactMap { $0.string("device") }, ["banned", "locked", "streak"])
        for table in ["passwordless_logins", "password_resets", "signup_attempts", "login_failures", "second_factor_failures", "login_bans",
                      "remembered_devices", "api_rate_windows", "verify_hourly_sends", "verify_budgets"] {
            // alice's own sign-up is one of the recent attempts.
            XCTAssertEqual(try count(table), table == "signup_attempts" ? 2 : 1, "\(table): the row still read stays")
        }
        XCTAssertEqual(try server.prune().total, 0, "a second pass finds nothing")
    }

    // MARK: Batches, metrics, one pruner at a time

    /// PRUNE_BATCH_SIZE=2: five rows take three batches of one pass, and /metrics counts them.
    func testSmallBatchesLoopUntilDoneAndMetricsCountThem() throws {
        server.stop()
        server = try TestServer(environment: ["PRUNE_BATCH_SIZE": "2"])
        for age in [400, 399, 398, 397, 396] {
            try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?)", [.integer(now - Int64(age) * Self.day)])
        }
        try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?)", [.integer(now)])
        // After each batch: the audit rows left.
        let left = Recorder(), database = server.app.database
        server.app.pruner.afterBatch = {
            left.append((try? database.read { try $0.queryOne("SELECT count(*) AS n FROM audit_events")?.int("n") }) ?? -1)
        }
        let report = try server.prune()
        XCTAssertEqual(report.rows("audit_events"), 5, "every old row, not just the first batch's two")
        XCTAssertEqual(try count("audit_events"), 1)
        XCTAssertEqual(left.values.reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } }, [6, 4, 2, 1],
                       "audit_events went in three batches of at most two")
        XCTAssertEqual(try server.metric("twofa_pruned_rows_total{table=\"audit_events\"}"), 5)
    }

    /// Two instances on one database: while one is mid-pass (held between two batches) the
    /// other's pass does nothing; once it has finished the other may prune again.
    func testOnlyOnePrunerAtATimeAcrossInstances() throws {
        server.stop()
        server = try TestServer(environment: ["PRUNE_BATCH_SIZE": "1"])
        let other = try TestServer(environment: ["PRUNE_BATCH_SIZE": "1"], sharingDatabaseWith: server)
        defer { other.stop() }
        for age in [400, 399, 398] {
            try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?)", [.integer(now - Int64(age) * Self.day)])
        }
        let gate = Gate()
        server.app.pruner.afterBatch = { gate.pass() }
        let firstReport = Box<Pruner.Report>()
        let first = Thread { firstReport.set(try? self.server.prune()) }
        first.start()
        eventually("the first instance is between two batches") { gate.waiting }
        let second = try other.prune()
        XCTAssertTrue(second.busy, "the other instance's pass does nothing while the first holds the lease")
        XCTAssertEqual(second.total, 0)
        XCTAssertEqual(second.description, "Another instance is pruning right now; nothing removed.")
        gate.open()
        eventually("the first pass finished") { firstReport.value != nil }
        XCTAssertEqual(firstReport.value?.rows("audit_events"), 3, "the first pass removed everything")
        let later = try other.prune()
        XCTAssertFalse(later.busy, "the lease was given back")
        XCTAssertEqual(later.total, 0)
    }

    /// A database that fails: one WARNING however many passes fail, then a line when it works again.
    func testAFailingDatabaseGetsOneWarningThenRecovers() throws {
        let log = LogCapture()
        log.start()
        defer { log.stop() }
        try write("ALTER TABLE maintenance_leases RENAME TO maintenance_leases_away")
        for _ in 0..<3 { XCTAssertNil(server.app.pruner.tick(), "a failed pass reports nothing") }
        try write("ALTER TABLE maintenance_leases_away RENAME TO maintenance_leases")
        XCTAssertNotNil(server.app.pruner.tick())
        XCTAssertNotNil(server.app.pruner.tick())
        let lines = log.lines.filter { $0.contains("pruner") }
        XCTAssertEqual(lines.filter { $0.contains("WARN") }.count, 1, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("answers again") }.count, 1, "\(lines)")
    }

    /// The same with PostgreSQL really down (halted), then back: no restart needed.
    func testAPostgreSQLOutageGetsOneWarningAndThePrunerComesBackByItself() throws {
        guard TestDatabase.isPostgres else { throw XCTSkip("stops the PostgreSQL server (TWOFA_TEST_POSTGRES_URL)") }
        let log = LogCapture()
        log.start()
        defer { log.stop() }
        try PostgreSQLServer.cluster("halt")
        var resumed = false
        defer { if !resumed { try? PostgreSQLServer.cluster("resume") } }
        for _ in 0..<3 { XCTAssertNil(server.app.pruner.tick(), "a pass without the database reports nothing") }
        try PostgreSQLServer.cluster("resume")
        resumed = true
        try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?)", [.integer(now - 400 * Self.day)])
        XCTAssertEqual(server.app.pruner.tick()?.rows("audit_events"), 1, "the next pass works")
        let lines = log.lines.filter { $0.contains("pruner") }
        XCTAssertEqual(lines.filter { $0.contains("WARN") }.count, 1, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("answers again") }.count, 1, "\(lines)")
    }

    /// One rule that fails (its table is away) doesn't stop the others: they prune, and the pass
    /// reports the failure once (one WARNING naming the rule), like a failing database.
    func testAFailingRuleDoesNotStopTheOthers() throws {
        let log = LogCapture()
        log.start()
        defer { log.stop() }
        // One rule before the failing one, one after it.
        try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?)", [.integer(now - 400 * Self.day)])
        try write("INSERT INTO api_rate_windows (api_key, window_start, calls) VALUES ('key', ?, 1)", [.integer(now - 600)])
        try write("ALTER TABLE login_bans RENAME TO login_bans_away")
        var renamed = true
        defer { if renamed { try? write("ALTER TABLE login_bans_away RENAME TO login_bans") } }

        XCTAssertThrowsError(try server.prune()) { error in
            let failed = error as? Pruner.RulesFailed
            XCTAssertEqual(failed?.failures.map(\.table), ["login_bans"], "\(error)")
            XCTAssertEqual(failed?.report.rows("audit_events"), 1)
            XCTAssertEqual(failed?.report.rows("api_rate_windows"), 1)
        }
        XCTAssertEqual(try count("audit_events"), 0, "the rule before the failing one ran")
        XCTAssertEqual(try count("api_rate_windows"), 0, "and the rule after it")
        XCTAssertEqual(try server.metric("twofa_pruned_rows_total{table=\"api_rate_windows\"}"), 1)

        for _ in 0..<2 { XCTAssertNil(server.app.pruner.tick(), "a pass with a failed rule is a failed pass") }
        let command = try TwofaCommand(server: server).run(["db", "prune"])
        XCTAssertEqual(command.status, 1, "the command says the pass failed")
        XCTAssertTrue(command.out.hasPrefix("Removed 0 rows:\n"), "and prints what the other rules removed: \(command.out)")
        XCTAssertTrue(command.err.contains("login_bans"), command.err)
        try write("ALTER TABLE login_bans_away RENAME TO login_bans")
        renamed = false
        XCTAssertNotNil(server.app.pruner.tick())
        let lines = log.lines.filter { $0.contains("pruner") }
        let warnings = lines.filter { $0.contains("WARN") }
        XCTAssertEqual(warnings.count, 1, "\(lines)")
        XCTAssertTrue(warnings.first?.contains("login_bans") == true, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("answers again") }.count, 1, "\(lines)")
    }

    /// A batch of more requests than a statement may bind parameters (libpq: 65,535; SQLite
    /// builds: often 32,766): the batch names its rows by a subquery, so any size works, and
    /// it takes the oldest.
    func testABatchBeyondTheParameterLimitsWorks() throws {
        let rows = 70_001
        try write("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO verify_requests (request_id, account_id, number, brand, code_length, pin_expiry, next_event_wait,
                workflow_id, status, created_at, finalized_at)
            SELECT 'bulk-' || i, 'bulk', '+447700900998', 'twofa', 6, 300, 300, 1, 'EXPIRED', 1000, 1000 + i FROM n
            """)
        try write("""
            INSERT INTO verify_events (event_id, request_pk, type, status, number, created_at)
            SELECT 'bulk-' || id, id, 'sms', 'sent', number, 1000 FROM verify_requests WHERE account_id = 'bulk'
            """)
        let removed = try server.app.database.write {
            try VerifyRetention.pruneBatch(endedBefore: now, limit: rows - 1, in: $0)
        }
        XCTAssertEqual(removed.requests, rows - 1)
        XCTAssertEqual(removed.events, rows - 1)
        let left = try server.app.database.read { try $0.query("SELECT request_id FROM verify_requests WHERE account_id = 'bulk'") }
        XCTAssertEqual(left.map { $0.string("request_id") }, ["bulk-\(rows)"], "the newest stays: the batch took the oldest")
        XCTAssertEqual(try count("verify_events"), 1)
    }

    // MARK: The command

    func testDbPrunePrintsWhatItRemovedPerTable() throws {
        let real = Int64(Date().timeIntervalSince1970)   // the command runs on the system's clock
        try write("INSERT INTO audit_events (event, created_at) VALUES ('login_failed', ?), ('login_failed', ?)",
                  [.integer(real - 400 * Self.day), .integer(real)])
        let result = try TwofaCommand(server: server).run(["db", "prune"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.hasPrefix("Removed 1 rows:\n"), result.out)
        let lines = result.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(lines.contains(["audit_events", "1"]), result.out)
        for table in ["verify_requests", "verify_events", "verify_checks", "sessions", "login_devices"] {
            XCTAssertTrue(lines.contains([table, "0"]), "every table the policy covers is listed: \(table)\n\(result.out)")
        }
        XCTAssertEqual(try count("audit_events"), 1)
        let usage = try TwofaCommand(server: server).run(["db", "prune", "extra"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.err.contains("twofa db prune"), usage.err)
    }

    // MARK: A day's worth

    /// "A database driven with a day's worth of verifications shrinks back to its retention
    /// window by itself": a few thousand starts over one day (some cancelled, some with wrong
    /// codes, the rest left to expire), then the clock past VERIFY_RETENTION_DAYS with the
    /// pruner's own thread running: the rows go. On SQLite the freed pages are reused, so a
    /// second day's worth does not grow the file (no VACUUM: see docs/security.md).
    func testADaysWorthOfVerificationsShrinksBackToTheWindowByItself() throws {
        server.stop()
        server = try TestServer(environment: ["PRUNE_INTERVAL": "10", "VERIFY_API_RATE_LIMIT": "1000000"])
        let api = try VerifyAPIClient.create(on: server)
        let starts = 2_000
        let size0 = try databaseBytes()
        try driveOneDay(api, starts: starts, numbersFrom: 0)
        let size1 = try databaseBytes()
        XCTAssertEqual(try count("verify_requests"), starts)
        print("RetentionTests: \(starts) Verify starts grew the \(TestDatabase.isPostgres ? "PostgreSQL" : "SQLite") database by "
              + "\(size1 - size0) bytes: \((size1 - size0) / starts) bytes per start (request, event, checks, indexes)")

        server.clock.advance(seconds: 31 * Self.day)
        server.app.pruner.start()
        defer { server.app.pruner.stop() }
        try eventually("the pruner's thread removed the ended requests", timeout: 120) {
            try count("verify_requests") == 0 && count("verify_events") == 0 && count("verify_checks") == 0
        }
        server.app.pruner.stop()
        XCTAssertEqual(try count("verify_requests"), 0, "back to the window: no request of that day is left")

        try driveOneDay(api, starts: starts, numbersFrom: starts)
        XCTAssertEqual(try server.prune().rows("verify_requests"), 0, "a day old: inside the window, kept")
        XCTAssertEqual(try count("verify_requests"), starts, "the window's rows, and only those")
        let size2 = try databaseBytes()
        print("RetentionTests: after the first day was pruned, a second day's worth took the database from \(size1) to \(size2) bytes")
        // PostgreSQL reuses dead rows' space once autovacuum has been by, on its own schedule.
        if !TestDatabase.isPostgres {
            XCTAssertLessThan(Double(size2), Double(size1) * 1.1,
                              "the second day reused the pages the first one freed (day 1: \(size1) bytes, day 2: \(size2))")
        }
    }

    /// `starts` API starts spread over one day of the test clock, to distinct numbers: every
    /// third one cancelled, every tenth one given a wrong code, the rest left to expire.
    private func driveOneDay(_ api: VerifyAPIClient, starts: Int, numbersFrom first: Int) throws {
        let step = Self.day / Int64(starts)
        var toCancel: String?
        for i in 0..<starts {
            let answer = try api.request("4477009" + String(format: "%05d", first + i), [("workflow_id", "6")])
            XCTAssertEqual(status(answer), "0", "\(answer)")
            let id = try XCTUnwrap(answer["request_id"] as? String)
            if i % 10 == 0 { XCTAssertEqual(status(try api.check(id, "0000")), "16") }
            server.clock.advance(seconds: step)
            if let cancel = toCancel { XCTAssertEqual(status(try api.control(cancel, "cancel")), "0") }
            toCancel = i % 3 == 0 ? id : nil
            if i % 20 == 0 { server.tick() }
        }
        server.clock.advance(seconds: 600)
        server.tick()   // the rest expire
        XCTAssertEqual(try server.app.database.read {
            try $0.queryOne("SELECT count(*) AS n FROM verify_requests WHERE status = 'IN PROGRESS'")?.int("n")
        }, 0, "every request of the day has ended")
    }

    /// The database's size: SQLite's pages × page size (the file, without the free space at
    /// its end a checkpoint may leave), PostgreSQL's `pg_database_size`.
    private func databaseBytes() throws -> Int {
        try server.app.database.read { db in
            if TestDatabase.isPostgres {
                return try db.queryOne("SELECT pg_database_size(current_database()) AS n")?.int("n") ?? 0
            }
            let count = try db.queryOne("PRAGMA page_count")?.int("page_count") ?? 0
            let size = try db.queryOne("PRAGMA page_size")?.int("page_size") ?? 0
            return count * size
        }
    }
}

/// Numbers written down by a closure the pruner calls.
private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int] = []
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return stored }
    func append(_ value: Int) { lock.lock(); stored.append(value); lock.unlock() }
}

/// Holds a pass in `pass()` until `open()`: `waiting` says one is held there.
private final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    private var isWaiting = false
    var waiting: Bool { condition.lock(); defer { condition.unlock() }; return isWaiting }
    func pass() {
        condition.lock()
        while !isOpen { isWaiting = true; condition.wait() }
        isWaiting = false
        condition.unlock()
    }
    func open() { condition.lock(); isOpen = true; condition.broadcast(); condition.unlock() }
}

/// A value set by another thread.
private final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: T?) { lock.lock(); stored = value; lock.unlock() }
}
