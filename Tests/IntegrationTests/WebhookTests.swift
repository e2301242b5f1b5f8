import App
import Foundation
import HTTP
import Security
import XCTest
import TestSupport

/// The Verify API's callbacks: an API key with `--callback-url` hears how each of its requests
/// ended, in Vonage v2's shapes, signed HS256 with its signature secret, from a queue in the
/// database that retries, gives up, and carries on after a restart.
final class WebhookTests: IntegrationTestCase {
    let number = "447700900571"
    var receiver: FakeProvider!

    override func tearDown() {
        receiver?.stop()
        super.tearDown()
    }

    struct Client {
        let v2: VonageV2Tests.V2
        let signatureSecret: String
    }

    func client(url: String? = nil, on server: TestServer? = nil) throws -> Client {
        let server = server ?? self.server!
        let created = try APIKeyCommands.create(server.app.config, name: "hooked", dailyLimit: nil,
                                                callbackURL: url ?? receiver.baseURL.absoluteString + "/hook")
        return Client(v2: VonageV2Tests.V2(port: server.port, key: created.apiKey, secret: created.apiSecret),
                      signatureSecret: try XCTUnwrap(created.signatureSecret))
    }

    /// Starts a request and enters its code; returns the request id as v2 shows it.
    func completed(_ client: Client, _ extra: [String: Any] = [:]) throws -> String {
        let started = try client.v2.start([["channel": "sms", "to": number]], extra)
        let id = try XCTUnwrap(started.json["request_id"] as? String, "\(started.json)")
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(try client.v2.call("POST", "/v2/verify/\(id)", ["code": pin]).status, 200)
        return id
    }

    /// The JWT's claims if it is signed HS256 with `secret`; nil otherwise.
    func claims(_ request: HTTPRequest, secret: String) -> [String: Any]? {
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return nil }
        let parts = header.dropFirst(7).split(separator: ".").map(String.init)
        guard parts.count == 3, let signature = Base64URL.decode(parts[2]), let payload = Base64URL.decode(parts[1]) else { return nil }
        let expected = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(parts[0]).\(parts[1])".utf8))
        guard ConstantTime.equals(expected, signature) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
    }

    func testSignedEventAndSummaryRetriedUntilAccepted() throws {
        receiver = try FakeProvider([FakeProvider.Reply(status: 503, json: "{}")], fallback: FakeProvider.Reply(status: 204, json: ""))
        let hooked = try client()
        let id = try completed(hooked, ["client_ref": "order-7"])
        XCTAssertEqual(receiver.requests.count, 0, "nothing is sent from the request itself")

        XCTAssertEqual(try server.app.webhooks.run(), 1, "the first attempt of one callback is refused with a 503")
        XCTAssertEqual(receiver.requests.count, 2)
        XCTAssertEqual(try server.app.webhooks.run(), 0, "the refused one waits for its backoff")
        server.clock.advance(seconds: 3)
        XCTAssertEqual(try server.app.webhooks.run(), 1)
        server.clock.advance(seconds: 3600)
        XCTAssertEqual(try server.app.webhooks.run(), 0, "an accepted callback is never sent again")

        let requests = receiver.requests
        XCTAssertEqual(requests.count, 3)
        var jtis: [String: Set<String>] = [:]
        var bodies: [String: [String: Any]] = [:]
        for request in requests {
            XCTAssertEqual(request.path, "/hook")
            let claims = try XCTUnwrap(self.claims(request, secret: hooked.signatureSecret), "signed with the client's secret")
            XCTAssertNil(self.claims(request, secret: String(repeating: "0", count: 64)))
            XCTAssertEqual(claims["payload_hash"] as? String, Hex.encode(Digest.sha256(request.body)))
            XCTAssertEqual(claims["api_key"] as? String, hooked.v2.key)
            let body = FakeProvider.json(request)
            let type = try XCTUnwrap(body["type"] as? String)
            jtis[type, default: []].insert(try XCTUnwrap(claims["jti"] as? String))
            bodies[type] = body
        }
        XCTAssertEqual(jtis.mapValues(\.count), ["event": 1, "summary": 1], "a retry carries the same jti")
        let event = try XCTUnwrap(bodies["event"])
        XCTAssertEqual(event["request_id"] as? String, id)
        XCTAssertEqual(event["status"] as? String, "completed")
        XCTAssertEqual(event["channel"] as? String, "sms")
        XCTAssertEqual(event["client_ref"] as? String, "order-7")
        XCTAssertNotNil((event["finalized_at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression))
        let summary = try XCTUnwrap(bodies["summary"])
        XCTAssertEqual(summary["channel_timeout"] as? Int, 300)
        let steps = try XCTUnwrap(summary["workflow"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["channel"] as? String }, ["sms"])
        XCTAssertEqual(steps.map { $0["status"] as? String }, ["completed"])
        XCTAssertGreaterThan(server.app.metrics.render().components(separatedBy: "outcome=\"delivered\"} 2").count, 1)
    }

    func testQueueCarriesOnAfterARestart() throws {
        receiver = try FakeProvider([], fallback: FakeProvider.Reply(status: 500, json: "{}"))
        let hooked = try client()
        let first = try completed(hooked)
        XCTAssertEqual(try server.app.webhooks.run(), 0)
        XCTAssertEqual(receiver.requests.count, 2, "both tried, both refused")
        let directory = server.directory
        server.stop(keepingFiles: true)
        receiver.stop()
        receiver = try FakeProvider([], fallback: FakeProvider.Reply(status: 200, json: "{}"))
        server = try TestServer(reusing: directory)
        // The new receiver listens elsewhere: point the client at it, as an operator would.
        try server.app.database.write {
            try $0.execute("UPDATE api_clients SET callback_url = ? WHERE api_key = ?",
                           [.text(receiver.baseURL.absoluteString + "/hook"), .text(hooked.v2.key)])
            try $0.execute("UPDATE webhook_deliveries SET url = ?", [.text(receiver.baseURL.absoluteString + "/hook")])
        }
        server.clock.advance(seconds: 5)
        XCTAssertEqual(try server.app.webhooks.run(), 2, "the queue survived the restart")
        XCTAssertEqual(Set(receiver.requests.map { FakeProvider.json($0)["request_id"] as? String }), [first])
        XCTAssertEqual(try server.app.webhooks.run(), 0)
    }

    func testCancelledAndUnhookedRequestsAndGivingUp() throws {
        receiver = try FakeProvider([], fallback: FakeProvider.Reply(status: 500, json: "{}"))
        let hooked = try client()
        let started = try hooked.v2.start([["channel": "sms", "to": number]])
        let id = try XCTUnwrap(started.json["request_id"] as? String)
        XCTAssertEqual(try hooked.v2.call("DELETE", "/v2/verify/\(id)").status, 204)
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: "no callback")
        let plain = VonageV2Tests.V2(port: server.port, key: key, secret: secret)
        let other = try XCTUnwrap(try plain.start([["channel": "sms", "to": "447700900572"]]).json["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+447700900572"))
        XCTAssertEqual(try plain.call("POST", "/v2/verify/\(other)", ["code": pin]).status, 200)
        XCTAssertEqual(try server.app.webhooks.run(), 0)
        XCTAssertTrue(receiver.requests.isEmpty, "no callback for a cancelled request, nor for a key without a callback URL")

        _ = try completed(hooked)
        XCTAssertEqual(try server.app.webhooks.run(), 0)
        XCTAssertEqual(receiver.requests.count, 2)
        // Backoff doubles each time; past WEBHOOK_GIVE_UP (a day) after the end, no more attempts.
        for _ in 0..<40 {
            server.clock.advance(seconds: 3_600)
            _ = try server.app.webhooks.run()
        }
        let tried = receiver.requests.count
        server.clock.advance(seconds: 3_600)
        XCTAssertEqual(try server.app.webhooks.run(), 0)
        XCTAssertEqual(receiver.requests.count, tried, "given up")
        XCTAssertLessThanOrEqual(tried, 2 * 26, "about one attempt an hour at most")
        XCTAssertGreaterThan(server.app.metrics.render().components(separatedBy: "outcome=\"given_up\"} 2").count, 1)
    }

    func testTheCommandLineSetsACallbackURLAndPrintsTheSecretOnce() throws {
        receiver = try FakeProvider([], fallback: FakeProvider.Reply(status: 200, json: "{}"))
        let twofa = TwofaCommand(server: server)
        let created = try twofa.run(["api-keys", "create", "shop", "--callback-url", receiver.baseURL.absoluteString + "/hook",
                                     "--daily-limit", "5"])
        XCTAssertEqual(created.status, 0, created.err)
        func value(_ name: String) throws -> String {
            let line = try XCTUnwrap(created.out.split(separator: "\n").first { $0.hasPrefix(name + ": ") }, created.out)
            return String(line.dropFirst(name.count + 2))
        }
        let secret = try value("signature_secret")
        XCTAssertNotNil(secret.range(of: "^[0-9a-f]{64}$", options: .regularExpression))
        let hooked = Client(v2: VonageV2Tests.V2(port: server.port, key: try value("api_key"), secret: try value("api_secret")),
                            signatureSecret: secret)
        _ = try completed(hooked)
        XCTAssertEqual(try server.app.webhooks.run(), 2)
        XCTAssertNotNil(claims(try XCTUnwrap(receiver.requests.first), secret: secret))
        XCTAssertFalse(try twofa.run(["api-keys", "list"]).out.contains(secret), "never shown again")
        XCTAssertFalse(try server.databaseContents().range(of: Data(secret.utf8)) != nil, "kept sealed, not in clear")

        for bad in ["ftp://example.com/hook", "not a url", "/relative"] {
            let refused = try twofa.run(["api-keys", "create", "x", "--callback-url", bad])
            XCTAssertEqual(refused.status, 1, bad)
            XCTAssertTrue(refused.err.contains("--callback-url must be"), refused.err)
        }
        XCTAssertEqual(try twofa.run(["api-keys", "create", "x", "--callback-url"]).status, 1)
    }

    func testV1RequestsOfTheKeyGetTheSameCallbacks() throws {
        receiver = try FakeProvider([], fallback: FakeProvider.Reply(status: 200, json: "{}"))
        let hooked = try client()
        let v1 = VerifyAPIClient(port: server.port, apiKey: hooked.v2.key, apiSecret: hooked.v2.secret)
        let id = try XCTUnwrap(try v1.request(number, [("workflow_id", "5")])["request_id"] as? String)
        let pin = try XCTUnwrap(server.lastPIN(to: "+" + number))
        XCTAssertEqual(try v1.check(id, pin)["status"] as? String, "0")
        XCTAssertEqual(try server.app.webhooks.run(), 2)
        let summary = try XCTUnwrap(receiver.requests.map(FakeProvider.json).first { $0["type"] as? String == "summary" })
        XCTAssertEqual(summary["request_id"] as? String, [8, 4, 4, 4, 12].reduce(into: (id[...], [String]())) { acc, n in
            acc.1.append(String(acc.0.prefix(n))); acc.0 = acc.0.dropFirst(n) }.1.joined(separator: "-"), "the same id, as a UUID")
        let steps = try XCTUnwrap(summary["workflow"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["channel"] as? String }, ["sms", "voice"])
        XCTAssertEqual(steps.map { $0["status"] as? String }, ["completed", "unused"])
        XCTAssertNil(steps[1]["initiated_at"], "a step never started has no start time")
    }
}

