import Database
import Foundation
import XCTest
import TestSupport

/// `kill -9` in the middle of a storm of Verify starts, with writes sharing commits (group
/// commit) and delivery marks written behind: every start answered with status 0 is in the
/// database afterwards, and every text in the outbox belongs to a stored request, once.
extension ProcessTests {
    func testKill9DuringConcurrentVerifyStartsLosesNoAcknowledgedStart() throws {
        let settings = ["VERIFY_API_RATE_LIMIT": "1000000"]
        XCTAssertEqual(try run(["migrate"], environment: settings).status, 0)
        let created = try run(["api-keys", "create", "crash"], environment: settings)
        let key = try XCTUnwrap(created.out.range(of: #"(?<=api_key: )\S+"#, options: .regularExpression).map { String(created.out[$0]) })
        let secret = try XCTUnwrap(created.out.range(of: #"(?<=api_secret: )\S+"#, options: .regularExpression).map { String(created.out[$0]) })

        let (process, port, _, _) = try serve(environment: settings)
        let watchdog = Watchdog(process, after: 120)
        defer { watchdog.cancel() }

        // Eight clients start requests for fresh numbers as fast as they can until the kill.
        final class Acknowledged: @unchecked Sendable {
            let lock = NSLock()
            var requestIDs: [String] = []
            var count: Int { lock.lock(); defer { lock.unlock() }; return requestIDs.count }
            func add(_ id: String) { lock.lock(); requestIDs.append(id); lock.unlock() }
        }
        let acknowledged = Acknowledged()
        let clients = DispatchGroup()
        for client in 0..<8 {
            clients.enter()
            Thread {
                defer { clients.leave() }
                for n in 0..<100_000 {
                    let number = String(format: "4477009%d%04d", client, n)
                    let body = Browser.encode([("api_key", key), ("api_secret", secret), ("number", number),
                                               ("brand", "crash"), ("workflow_id", "6")])
                    guard let answer = try? HTTPClient.request(port: port, method: "POST", path: "/verify/json",
                                                               headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                               body: body) else { return }   // the server is gone
                    if answer.body.contains(#""status":"0""#),
                       let id = answer.body.range(of: #"(?<="request_id":")[0-9a-f]+"#, options: .regularExpression) {
                        acknowledged.add(String(answer.body[id]))
                    }
                }
            }.start()
        }
        eventually("300 starts acknowledged") { acknowledged.count >= 300 }
        kill(process.processIdentifier, SIGKILL)
        XCTAssertEqual(clients.wait(timeout: .now() + 60), .success)
        try Subprocess.waitForExit(process, timeout: 60, what: "twofa serve after SIGKILL")

        let db = try SQLiteDatabase(path: directory + "/db.sqlite3", readers: 1)
        defer { db.close() }
        let stored = try db.read { connection in
            Set(try connection.query("SELECT request_id FROM verify_requests", []).compactMap { $0.string("request_id") })
        }
        let ids = acknowledged.lock.withLock { acknowledged.requestIDs }
        XCTAssertGreaterThanOrEqual(ids.count, 300)
        let lost = ids.filter { !stored.contains($0) }
        XCTAssertEqual(lost, [], "\(lost.count) of \(ids.count) acknowledged starts are not in the database")

        // The outbox: one text per number at most (each number was started once), and only for
        // requests the database holds (claim, commit, then send).
        let outbox = (try? String(contentsOfFile: directory + "/outbox.jsonl", encoding: .utf8)) ?? ""
        let numbers = outbox.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: #"(?<="to":")\+?[0-9]+"#, options: .regularExpression) else { return nil }
            return line[range].hasPrefix("+") ? String(line[range].dropFirst()) : String(line[range])
        }
        XCTAssertGreaterThanOrEqual(numbers.count, ids.count, "every acknowledged start's text was written before its answer")
        XCTAssertEqual(numbers.count, Set(numbers).count, "a number got two texts")
        let storedNumbers = try db.read { connection in
            Set(try connection.query("SELECT number FROM verify_requests", []).compactMap { $0.string("number") })
        }
        let orphans = numbers.filter { !storedNumbers.contains($0) && !storedNumbers.contains("+" + $0) }
        XCTAssertEqual(orphans, [], "texts sent for requests the database does not hold")

        // The API rate limit claims a busy key's calls in blocks, each counted before any of it
        // is used: whatever the kill left unused, each minute's count covers the starts it let in.
        let windows = try db.read { try $0.query("SELECT window_start, calls FROM api_rate_windows WHERE api_key = ?", [.text(key)]) }
        XCTAssertFalse(windows.isEmpty)
        for window in windows {
            let start = try XCTUnwrap(window.int64("window_start"))
            let admitted = try db.read { try $0.queryOne(
                "SELECT count(*) AS n FROM verify_requests WHERE account_id = ? AND created_at >= ? AND created_at < ?",
                [.text(key), .integer(start), .integer(start + 60)])?.int("n") } ?? 0
            XCTAssertGreaterThanOrEqual(window.int("calls") ?? 0, admitted, "the minute at \(start) counted fewer calls than it admitted")
        }
    }
}
