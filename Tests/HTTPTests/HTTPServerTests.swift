import Foundation
import XCTest
@testable import HTTP
import Support
import TestSupport

/// Echoes `METHOD PATH BODY`; `/throw` throws; `/slow` works for 300 ms; `/gated` signals
/// `entered` and waits until the test calls `release()`, so a test knows a request is with a
/// worker (and keeps it there) without sleeping.
final class TestResponder: HTTPResponder, @unchecked Sendable {
    struct Boom: Error {}

    let entered = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    /// Lets every gated request (present and future) finish.
    func release() { for _ in 0..<16 { gate.signal() } }

    func respond(to request: HTTPRequest) throws -> HTTPResponse {
        switch request.path {
        case "/throw":
            throw Boom()
        case "/slow":
            usleep(300_000)   // the work of a slow request, not a wait for anything
            return .text("slow done")
        case "/gated":
            entered.signal()
            _ = gate.wait(timeout: .now() + 60)   // a release that never comes fails the test, not the suite
            return .text("gated done")
        case "/close":
            var response = HTTPResponse.text("bye")
            response.headers.set("Connection", "close")
            return response
        default:
            return .text("\(request.method) \(request.path) \(String(decoding: request.body, as: UTF8.self))")
        }
    }
}

final class HTTPServerTests: XCTestCase {
    private var server: HTTPServer!
    private var responder: TestResponder!
    private var logs = LogCapture()

    private func startServer(_ adjust: (inout HTTPServer.Configuration) -> Void = { _ in }) throws {
        var config = HTTPServer.Configuration()
        config.port = 0
        config.loopThreads = 2
        config.workerThreads = 4
        adjust(&config)
        responder = TestResponder()
        server = HTTPServer(configuration: config, responder: responder)
        try server.start()
    }

    /// Waits (generously) until a `/gated` request is with a worker.
    private func waitUntilGatedRequestEntered(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(responder.entered.wait(timeout: .now() + 30), .success, "the gated request never reached a worker",
                       file: file, line: line)
    }

    /// A fresh connection's answer to GET `path`, or nil when the server refused or closed it.
    private func answer(_ path: String) -> RawClient.Response? {
        guard let c = try? client() else { return nil }
        try? c.send(get(path))
        return (try? c.readResponse()) ?? nil
    }

    override func setUp() {
        super.setUp()
        logs = LogCapture()
        let capture = logs
        Log.redirect { capture.append($0) }
    }

    override func tearDown() {
        responder?.release()
        server?.shutdown()
        server = nil
        Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        super.tearDown()
    }

    private func client() throws -> RawClient { try RawClient(port: server.port) }

    private func get(_ path: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(extra)\r\n"
    }

    func testPortIsAssigned() throws {
        try startServer()
        XCTAssertGreaterThan(server.port, 0)
    }

    func testBindFailureHasAClearMessage() throws {
        try startServer()
        var config = HTTPServer.Configuration()
        config.port = server.port
        let second = HTTPServer(configuration: config, responder: TestResponder())
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual("\(error)", "cannot bind 127.0.0.1:\(server.port): Address already in use")
        }
    }

    func testKeepAliveServesTwoRequestsOnOneConnection() throws {
        try startServer()
        let c = try client()
        try c.send(get("/one"))
        let first = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.text, "GET /one ")
        XCTAssertNil(first.header("Connection"))
        XCTAssertNotNil(first.header("Date"))
        try c.send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        let second = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(second.text, "POST /two hello")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        try startServer()
        let c = try client()
        // The slow one first: a server answering as handlers finish would reorder.
        try c.send(get("/slow") + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" + get("/c"))
        XCTAssertEqual(try c.readResponse()?.text, "slow done")
        XCTAssertEqual(try c.readResponse()?.text, "POST /b hi")
        XCTAssertEqual(try c.readResponse()?.text, "GET /c ")
    }

    /// A dispatched request's socket stays in the epoll set until something arrives. When the
    /// next request arrives while a worker still has this one, the loop must stop watching the
    /// socket (level-triggered epoll would report it on every turn: a loop spinning at 100 %)
    /// and answer both in order once the first is done.
    func testRequestArrivingWhileAWorkerHasOneIsAnsweredAfterItWithoutSpinning() throws {
        try startServer()
        let c = try client()
        try c.send(get("/gated"))
        waitUntilGatedRequestEntered()
        try c.send(get("/second"))
        usleep(50_000)   // the loop has seen the bytes by now
        let before = Self.processCPUSeconds()
        usleep(400_000)
        let spent = Self.processCPUSeconds() - before
        XCTAssertLessThan(spent, 0.2, "the process burnt \(spent) s of CPU in 0.4 s while a request was held: a loop is spinning")
        responder.release()
        XCTAssertEqual(try c.readResponse()?.text, "gated done")
        XCTAssertEqual(try c.readResponse()?.text, "GET /second ")
    }

    /// A client that half-closes (shutdown SHUT_WR) after its request still gets the answer,
    /// then the server closes too.
    func testHalfClosedClientGetsItsAnswer() throws {
        try startServer()
        let c = try client()
        try c.send(get("/gated"))
        waitUntilGatedRequestEntered()
        shutdown(c.fd, Int32(SHUT_WR))
        usleep(50_000)   // the loop has seen the half-close
        responder.release()
        XCTAssertEqual(try c.readResponse()?.text, "gated done")
        XCTAssertTrue(c.isClosedByServer())
    }

    private static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func testHeadHasContentLengthButNoBody() throws {
        try startServer()
        let c = try client()
        try c.send("HEAD /thing HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try XCTUnwrap(c.readResponse(bodyless: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String("HEAD /thing ".utf8.count))
        // If a body had been sent, it would show up in front of the next response.
        try c.send(get("/next"))
        XCTAssertEqual(try c.readResponse()?.text, "GET /next ")
    }

    func testBodyTooLargeIs413AndCloses() throws {
        try startServer { $0.maxBodyBytes = 1000 }
        let c = try client()
        try c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + String(repeating: "z", count: 50000))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())
        XCTAssertTrue(logs.lines.contains { $0.hasSuffix("INFO POST /upload 413 0.0ms") }, "\(logs.lines)")
    }

    func testHugeHeadersAre431() throws {
        try startServer()
        let c = try client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20000))\r\n\r\n")
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 431)
        XCTAssertTrue(response.text.contains("Request header fields too large"))
        XCTAssertTrue(c.isClosedByServer())
        XCTAssertTrue(logs.lines.contains { $0.hasSuffix("INFO - - 431 0.0ms") }, "\(logs.lines)")
    }

    func testContentLengthWithTransferEncodingIs400AndCloses() throws {
        try startServer()
        let c = try client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get("/smuggled"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer(), "the smuggled request must not be answered")
    }

    func testChunkedBodyIs411() throws {
        try startServer()
        let c = try client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 411)
        XCTAssertTrue(c.isClosedByServer())
    }

    func testBareLFIs400() throws {
        try startServer()
        let c = try client()
        try c.send("GET / HTTP/1.1\nHost: x\n\n")
        XCTAssertEqual(try c.readResponse()?.status, 400)
        XCTAssertTrue(c.isClosedByServer())
    }

    func testExpectContinue() throws {
        try startServer()
        let c = try client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(interim.status, 100)
        try c.send("data")
        let final = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(final.status, 200)
        XCTAssertEqual(final.text, "POST /up data")
    }

    func testExpectContinueWithTooLargeBodyGets413AtOnce() throws {
        try startServer { $0.maxBodyBytes = 10 }
        let c = try client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
        XCTAssertEqual(try c.readResponse()?.status, 413)
    }

    func testThrowingResponderGives500AndServerKeepsWorking() throws {
        try startServer()
        let c = try client()
        try c.send("POST /throw?token=SECRETQUERY HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nSECRET-BODY!")
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 500)
        XCTAssertTrue(response.text.contains("Something went wrong"))
        XCTAssertEqual(response.header("Content-Type"), "text/html; charset=utf-8")
        try c.send(get("/after"))
        XCTAssertEqual(try c.readResponse()?.text, "GET /after ")
        let other = try client()
        try other.send(get("/again"))
        XCTAssertEqual(try other.readResponse()?.status, 200)

        let lines = logs.lines
        XCTAssertTrue(lines.contains { $0.contains("ERROR") && $0.contains("/throw") && $0.contains("Boom") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasSuffix(" POST /throw 500 " + $0.split(separator: " ").last!) })
        XCTAssertFalse(lines.contains { $0.contains("SECRET") }, "query strings and bodies must never be logged")
    }

    func testAccessLogHasOneLinePerRequestWithoutQuery() throws {
        try startServer()
        let c = try client()
        try c.send(get("/a?password=hunter2"))
        _ = try c.readResponse()
        try c.send(get("/b%20c"))
        _ = try c.readResponse()
        let access = logs.lines.filter { $0.contains(" INFO GET ") }
        XCTAssertEqual(access.count, 2, "\(logs.lines)")
        XCTAssertTrue(access[0].range(of: #" INFO GET /a 200 \d+\.\dms$"#, options: .regularExpression) != nil, access[0])
        XCTAssertTrue(access[1].contains(" INFO GET /b c 200 "))
        XCTAssertFalse(logs.lines.contains { $0.contains("hunter2") })
    }

    func testConnectionCloseIsHonoured() throws {
        try startServer()
        let c = try client()
        try c.send(get("/x", extra: "Connection: close\r\n"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())
    }

    func testResponderAskingToCloseIsHonoured() throws {
        try startServer()
        let c = try client()
        try c.send(get("/close"))
        XCTAssertEqual(try c.readResponse()?.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())
    }

    func testHTTP10ClosesUnlessKeepAliveAsked() throws {
        try startServer()
        let c = try client()
        try c.send("GET /old HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try c.readResponse()?.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())

        let k = try client()
        try k.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try k.readResponse()?.header("Connection"), "keep-alive")
        try k.send("GET /again HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try k.readResponse()?.text, "GET /again ")
    }

    func testRequestSentByteByByteOverTheSocket() throws {
        try startServer()
        let c = try client()
        for byte in "POST /slowly HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".utf8 {
            try c.send([byte])
        }
        XCTAssertEqual(try c.readResponse()?.text, "POST /slowly abc")
    }

    // The timeouts are short so these tests finish soon; the client's receive deadline is
    // long, so a loaded machine can't fail them: they check that the cut-off happens.
    func testSlowHeadersAreCutOff() throws {
        try startServer { $0.headerTimeout = 0.5 }
        let c = try RawClient(port: server.port, timeout: 60)
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        let rest = String(decoding: c.readAll(), as: UTF8.self)
        XCTAssertTrue(rest.hasPrefix("HTTP/1.1 408 "), rest)
        XCTAssertTrue(c.closedByServer, "closed after the 408")
    }

    func testIdleKeepAliveConnectionsAreClosed() throws {
        try startServer { $0.keepAliveTimeout = 0.5 }
        let c = try RawClient(port: server.port, timeout: 60)
        try c.send(get("/x"))
        XCTAssertEqual(try c.readResponse()?.status, 200)
        XCTAssertTrue(c.isClosedByServer())
    }

    func testConnectionLimit() throws {
        try startServer { $0.maxConnections = 2 }
        let a = try client(), b = try client()
        try a.send(get("/a"))
        try b.send(get("/b"))
        XCTAssertEqual(try a.readResponse()?.status, 200)
        XCTAssertEqual(try b.readResponse()?.status, 200)
        // Over the cap: the canned 503, then the close. (Sending nothing first, so that the
        // server's close can't turn into a reset that would hide the answer.)
        let c = try client()
        let refused = try XCTUnwrap(c.readResponse(), "a connection over the cap is answered, not just dropped")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.text, "Server is too busy.\n")
        XCTAssertEqual(refused.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())
        // Once a slot frees up, service resumes.
        try a.send(get("/bye", extra: "Connection: close\r\n"))
        _ = try a.readResponse()
        XCTAssertTrue(a.isClosedByServer())
        a.close()   // the server lingers until the client closes too
        eventually("a freed slot serves a new connection") { answer("/d")?.status == 200 }
    }

    /// MAX_CONNECTIONS_PER_IP: one address's connections beyond its share get the same 503,
    /// counted across both loops; other addresses are still served; a close frees a slot.
    func testConnectionLimitPerAddress() throws {
        try startServer { $0.maxConnectionsPerAddress = 3 }
        // Three from 127.0.0.1, spread over the two loops (each goes to the least loaded).
        let held = try (0..<3).map { i -> RawClient in
            let c = try client()
            try c.send(get("/held-\(i)"))
            XCTAssertEqual(try c.readResponse()?.status, 200)
            return c
        }
        let refused = try XCTUnwrap(try client().readResponse(), "a connection over the share is answered, not just dropped")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.text, "Server is too busy.\n")
        XCTAssertEqual(refused.header("Connection"), "close")
        XCTAssertEqual(server.refusedConnections.perAddress, 1)
        XCTAssertEqual(server.refusedConnections.serverFull, 0)
        XCTAssertTrue(logs.lines.contains { $0.contains("connection limit per address (3) reached by 127.0.0.1") }, "\(logs.lines)")

        // Another address has its own share.
        let other = try RawClient(port: server.port, source: "127.0.0.2")
        try other.send(get("/other"))
        XCTAssertEqual(try other.readResponse()?.status, 200)

        // One of the three goes: 127.0.0.1 gets a slot back.
        try held[0].send(get("/bye", extra: "Connection: close\r\n"))
        _ = try held[0].readResponse()
        XCTAssertTrue(held[0].isClosedByServer())
        held[0].close()
        eventually("a freed slot serves 127.0.0.1 again") { answer("/again")?.status == 200 }
        eventually("two held from 127.0.0.1 and one from 127.0.0.2 stay open") { server.openConnections == 3 }
    }

    func testClientResettingDuringARequestFreesItsSlot() throws {
        try startServer { $0.maxConnections = 1 }
        let c = try client()
        try c.send(get("/gated"))
        waitUntilGatedRequestEntered()
        XCTAssertEqual(try client().readResponse()?.status, 503, "the one slot is taken")
        c.reset()
        responder.release()   // the worker finishes; the server must then release the connection
        eventually("the reset connection's slot is freed") { answer("/next")?.status == 200 }
    }

    func testShutdownLetsAnInFlightRequestFinish() throws {
        try startServer()
        let busy = try client()
        let idle = try client()
        try idle.send(get("/warm"))
        _ = try idle.readResponse()
        try busy.send(get("/gated"))
        waitUntilGatedRequestEntered()   // the request is now with a worker
        let done = expectation(description: "shutdown returned")
        let server = self.server!
        DispatchQueue.global().async {
            server.shutdown()
            done.fulfill()
        }
        // Shutdown is under way (the socket stops listening) while the request is still held.
        eventually("the server stops listening") { (try? RawClient(port: server.port)) == nil }
        XCTAssertTrue(idle.isClosedByServer(), "idle keep-alive connections are closed on shutdown")
        responder.release()
        let response = try XCTUnwrap(busy.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "gated done")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(busy.isClosedByServer())
        wait(for: [done], timeout: 60)
        XCTAssertThrowsError(try RawClient(port: server.port), "no longer listening")
    }
}
