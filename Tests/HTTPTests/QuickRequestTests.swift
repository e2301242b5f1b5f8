import Foundation
import XCTest
@testable import HTTP
import Support
import TestSupport

/// Paths starting `/quick` may be answered on the event loop. Every call is recorded with
/// the name of the thread it ran on, which each response also carries in `X-Thread`.
final class QuickTestResponder: HTTPResponder, @unchecked Sendable {
    struct Call: Equatable {
        let path: String
        let thread: String
    }
    struct Boom: Error {}

    static let bigBodyBytes = 8 << 20   // more than loopback socket buffers hold

    private let lock = NSLock()
    private var recorded: [Call] = []
    /// `/quick/peek` answers whether this client socket has bytes waiting (set by a test).
    var peekedSocket: Int32 = -1
    var calls: [Call] { lock.lock(); defer { lock.unlock() }; return recorded }

    func answersOnEventLoop(_ request: HTTPRequest) -> Bool { request.path.hasPrefix("/quick") }

    func respond(to request: HTTPRequest) throws -> HTTPResponse {
        let thread = Self.threadName()
        lock.lock(); recorded.append(Call(path: request.path, thread: thread)); lock.unlock()
        var response: HTTPResponse
        switch request.path {
        case "/quick/blocks":
            try BlockingGuard.check()   // e.g. a database write
            response = .text("blocks done")
        case "/quick/swallows":
            _ = try? BlockingGuard.check()   // app code that hides the error must not get its answer out
            response = .text("swallows done")
        case "/quick/throws":
            throw Boom()
        case "/quick/big":
            response = .text(String(repeating: "b", count: Self.bigBodyBytes))
        case "/quick/fixed":
            response = .text("fixed body")
        case "/quick/sleep":
            usleep(300_000)   // holds the loop, so that the next requests arrive in one turn
            response = .text("slept")
        case "/quick/peek":
            var byte: UInt8 = 0
            let waiting = recv(peekedSocket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            response = .text(waiting > 0 ? "answered before me" : "not answered yet")
        case "/slow":
            usleep(200_000)   // the work of a slow request, not a wait for anything
            response = .text("slow done")
        default:
            response = .text("\(request.method) \(request.path)")
        }
        response.headers.set("X-Thread", thread)
        return response
    }

    /// A server on a free port answering through this responder.
    func serve(loopThreads: Int, workerThreads: Int) throws -> HTTPServer {
        var config = HTTPServer.Configuration()
        config.port = 0
        config.loopThreads = loopThreads
        config.workerThreads = workerThreads
        let server = HTTPServer(configuration: config, responder: self)
        try server.start()
        return server
    }

    /// A GET request's bytes, with `extra` header lines.
    static func get(_ path: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(extra)\r\n"
    }

    /// The kernel's name for the current thread ("http-loop-0", "http-worker-3").
    static func threadName() -> String {
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Quick requests answered on the event-loop thread, and handed to a worker when they
/// try to block (`BlockingGuard`), over real sockets.
final class QuickRequestTests: XCTestCase {
    private var server: HTTPServer!
    private var responder: QuickTestResponder!
    private var logs = LogCapture()

    override func setUpWithError() throws {
        logs = LogCapture()
        let capture = logs
        Log.redirect { capture.append($0) }
        responder = QuickTestResponder()
        server = try responder.serve(loopThreads: 2, workerThreads: 2)
    }

    override func tearDown() {
        server?.shutdown()
        server = nil
        Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        super.tearDown()
    }

    private func client() throws -> RawClient { try RawClient(port: server.port) }

    private func get(_ path: String, extra: String = "") -> String { QuickTestResponder.get(path, extra: extra) }

    private func isLoop(_ thread: String?) -> Bool { thread?.hasPrefix("http-loop-") == true }
    private func isWorker(_ thread: String?) -> Bool { thread?.hasPrefix("http-worker-") == true }

    /// Access-log lines for `path` (`GET /quick/a 200 0.1ms`).
    private func accessLines(_ method: String, _ path: String) -> [String] {
        logs.lines.filter { $0.contains(" INFO \(method) \(path) ") }
    }

    func testQuickRequestIsAnsweredOnTheLoop() throws {
        let c = try client()
        try c.send(get("/quick/a"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "GET /quick/a")
        XCTAssertTrue(isLoop(response.header("X-Thread")), "answered on \(response.header("X-Thread") ?? "-")")
        XCTAssertEqual(responder.calls.count, 1, "\(responder.calls)")
        XCTAssertEqual(accessLines("GET", "/quick/a").count, 1, "\(logs.lines)")
    }

    /// New connections are spread over the loops, whichever loop the kernel wakes to accept
    /// them: held open together, eight connections are served by both loops. Not exactly four
    /// each: two loops accepting at the same moment may both pick the same least-loaded one.
    func testConnectionsAreSpreadOverTheLoops() throws {
        let clients = try (0..<8).map { _ in try client() }
        var threads: [String] = []
        for c in clients {
            try c.send(get("/quick/which"))
            threads.append(try XCTUnwrap(c.readResponse()?.header("X-Thread")))
        }
        XCTAssertEqual(Set(threads), ["http-loop-0", "http-loop-1"], "\(threads)")
        for loop in ["http-loop-0", "http-loop-1"] {
            XCTAssertGreaterThanOrEqual(threads.filter { $0 == loop }.count, 3, "\(threads)")
        }
    }

    /// Each new connection goes to the loop with the fewest, whichever loop the kernel woke:
    /// connected one at a time (each answered before the next, so no two accepts race), six
    /// split three and three; with one loop's three closed, the next three all go to it.
    func testNewConnectionsGoToTheLeastLoadedLoop() throws {
        func connect() throws -> (client: RawClient, loop: String) {
            let c = try client()
            try c.send(get("/quick/which"))
            return (c, try XCTUnwrap(c.readResponse()?.header("X-Thread")))
        }
        let first = try (0..<6).map { _ in try connect() }
        XCTAssertEqual(first.filter { $0.loop == "http-loop-0" }.count, 3, "\(first.map(\.loop))")
        XCTAssertEqual(first.filter { $0.loop == "http-loop-1" }.count, 3, "\(first.map(\.loop))")

        for held in first where held.loop == "http-loop-1" { held.client.close() }
        eventually("the server closes its side of the three") { server.openConnections == 3 }
        let next = try (0..<3).map { _ in try connect() }
        XCTAssertEqual(next.map(\.loop), Array(repeating: "http-loop-1", count: 3), "the emptied loop takes them")
        withExtendedLifetime(first) {}
    }

    func testOtherRequestsGoToAWorker() throws {
        let c = try client()
        try c.send(get("/plain"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.text, "GET /plain")
        XCTAssertTrue(isWorker(response.header("X-Thread")), "answered on \(response.header("X-Thread") ?? "-")")
        XCTAssertEqual(responder.calls.map(\.path), ["/plain"], "never tried on the loop")
    }

    func testQuickRequestThatWouldBlockIsRunAgainOnAWorkerAndAnsweredOnce() throws {
        let c = try client()
        try c.send(get("/quick/blocks"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "blocks done")
        XCTAssertTrue(isWorker(response.header("X-Thread")), "answered on \(response.header("X-Thread") ?? "-")")

        let calls = responder.calls
        XCTAssertEqual(calls.map(\.path), ["/quick/blocks", "/quick/blocks"], "tried on the loop, then again on a worker")
        XCTAssertTrue(isLoop(calls.first?.thread), "\(calls)")
        XCTAssertTrue(isWorker(calls.last?.thread), "\(calls)")
        XCTAssertEqual(accessLines("GET", "/quick/blocks").count, 1, "the dropped attempt isn't logged: \(logs.lines)")
        XCTAssertFalse(logs.lines.contains { $0.contains("ERROR") }, "\(logs.lines)")

        // Nothing of the dropped attempt reached the socket: it would show up in front of this.
        try c.send(get("/quick/after"))
        let next = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(next.text, "GET /quick/after")
        XCTAssertTrue(isLoop(next.header("X-Thread")), "the loop answers quick requests again afterwards")
    }

    func testSwallowingTheGuardsErrorStillHandsTheRequestToAWorker() throws {
        let c = try client()
        try c.send(get("/quick/swallows"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.text, "swallows done")
        XCTAssertTrue(isWorker(response.header("X-Thread")), "answered on \(response.header("X-Thread") ?? "-")")
        XCTAssertEqual(responder.calls.count, 2, "\(responder.calls)")
        try c.send(get("/quick/after"))
        XCTAssertEqual(try c.readResponse()?.text, "GET /quick/after")
    }

    func testOtherErrorsOnTheLoopAre500sWithoutARerun() throws {
        let c = try client()
        try c.send(get("/quick/throws"))
        XCTAssertEqual(try c.readResponse()?.status, 500)
        XCTAssertEqual(responder.calls.count, 1, "only WouldBlock means 'try on a worker': \(responder.calls)")
        XCTAssertTrue(isLoop(responder.calls.first?.thread))
        XCTAssertTrue(logs.lines.contains { $0.contains("ERROR") && $0.contains("/quick/throws") }, "\(logs.lines)")
        try c.send(get("/quick/after"))
        XCTAssertEqual(try c.readResponse()?.text, "GET /quick/after")
    }

    func testPipelinedQuickAndOtherRequestsComeBackInOrder() throws {
        let c = try client()
        // A slow worker request first: a loop answering the quick ones behind it at once would reorder.
        let requests = [
            get("/slow"),
            get("/quick/a"),
            get("/quick/blocks"),
            "POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
            get("/quick/b"),
            get("/quick/c"),
        ]
        try c.send(requests.joined())
        let expected = [
            ("slow done", "worker"), ("GET /quick/a", "loop"), ("blocks done", "worker"),
            ("POST /plain", "worker"), ("GET /quick/b", "loop"), ("GET /quick/c", "loop"),
        ]
        for (text, kind) in expected {
            let response = try XCTUnwrap(c.readResponse(), "missing the answer \(text)")
            XCTAssertEqual(response.text, text)
            let thread = response.header("X-Thread")
            XCTAssertTrue(kind == "loop" ? isLoop(thread) : isWorker(thread), "\(text) answered on \(thread ?? "-")")
        }
        XCTAssertEqual(responder.calls.count, 7, "/quick/blocks twice, the rest once: \(responder.calls)")
    }

    func testManyPipelinedQuickRequestsInOneSegment() throws {
        let c = try client()
        let paths = (0..<50).map { "/quick/\($0)" }
        try c.send(paths.map { get($0) }.joined())
        for path in paths {
            let response = try XCTUnwrap(c.readResponse(), "no answer for \(path)")
            XCTAssertEqual(response.text, "GET \(path)")
        }
        XCTAssertEqual(responder.calls.map(\.path), paths)
    }

    func testPipelinedQuickAnswersLargerThanTheSocketBufferAllArrive() throws {
        // The first answer can't go out in one send (8 MiB against at most 4 MiB of send
        // buffer and this client's small receive window): the loop must wait for EPOLLOUT and
        // then carry on with the requests still buffered in the parser.
        let c = try RawClient(port: server.port, timeout: 30, receiveBuffer: 16 << 10)
        try c.send(get("/quick/big") + get("/quick/big") + get("/quick/a"))
        for _ in 0..<2 {
            let big = try XCTUnwrap(c.readResponse())
            XCTAssertEqual(big.body.count, QuickTestResponder.bigBodyBytes)
            XCTAssertEqual(big.body.first, UInt8(ascii: "b"))
            XCTAssertEqual(big.body.last, UInt8(ascii: "b"))
        }
        XCTAssertEqual(try c.readResponse()?.text, "GET /quick/a")
        XCTAssertTrue(responder.calls.allSatisfy { isLoop($0.thread) }, "\(responder.calls)")
        XCTAssertEqual(responder.calls.count, 3)
    }

    func testPipelinedRequestAfterAQuickConnectionCloseIsNotAnswered() throws {
        let c = try client()
        try c.send(get("/quick/a", extra: "Connection: close\r\n") + get("/quick/b"))
        let response = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(response.text, "GET /quick/a")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(c.isClosedByServer())
        XCTAssertEqual(responder.calls.map(\.path), ["/quick/a"])
    }

    func testHeadOnAQuickRouteHasTheLengthButNoBody() throws {
        let c = try client()
        try c.send("HEAD /quick/fixed HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try XCTUnwrap(c.readResponse(bodyless: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String("fixed body".utf8.count))
        XCTAssertTrue(isLoop(head.header("X-Thread")), "answered on \(head.header("X-Thread") ?? "-")")
        // A body sent after all would be read as the start of this response.
        try c.send(get("/quick/fixed"))
        let next = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(next.text, "fixed body")
        XCTAssertEqual(accessLines("HEAD", "/quick/fixed").count, 1, "\(logs.lines)")
    }

    func testHeadOnAQuickRouteThatWouldBlockHasNoBodyEither() throws {
        let c = try client()
        try c.send("HEAD /quick/blocks HTTP/1.1\r\nHost: x\r\n\r\n" + get("/quick/a"))
        let head = try XCTUnwrap(c.readResponse(bodyless: true))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String("blocks done".utf8.count))
        XCTAssertTrue(isWorker(head.header("X-Thread")))
        XCTAssertEqual(try c.readResponse()?.text, "GET /quick/a")
    }
}

/// Answers given on the loop go out once every ready connection of the turn has been answered
/// (`EventLoop.sendAtEndOfTurn`), so that a send waking a client cannot cost the rest of the
/// turn its core. One loop thread, so that every connection is on it.
final class EndOfTurnSendTests: XCTestCase {
    private var server: HTTPServer!
    private var responder: QuickTestResponder!

    override func setUpWithError() throws {
        responder = QuickTestResponder()
        server = try responder.serve(loopThreads: 1, workerThreads: 1)
    }

    override func tearDown() {
        server?.shutdown()
        server = nil
        super.tearDown()
    }

    private func get(_ path: String) -> String { QuickTestResponder.get(path) }

    func testAnAnswerGivenOnTheLoopIsSentAfterTheRestOfItsTurn() throws {
        let holder = try RawClient(port: server.port)
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        responder.peekedSocket = first.fd
        // Both connections are accepted and idle before the loop is held.
        for c in [holder, first, second] { try c.send(get("/quick/warm")); XCTAssertNotNil(try c.readResponse()) }
        try holder.send(get("/quick/sleep"))
        usleep(100_000)   // the loop is now asleep in /quick/sleep
        try first.send(get("/quick/a"))
        usleep(20_000)
        try second.send(get("/quick/peek"))
        XCTAssertEqual(try holder.readResponse()?.text, "slept")
        // The next turn reads both: /quick/peek runs after /quick/a was answered, not sent.
        XCTAssertEqual(try second.readResponse()?.text, "not answered yet")
        XCTAssertEqual(try first.readResponse()?.text, "GET /quick/a")
        XCTAssertEqual(responder.calls.suffix(2).map(\.path), ["/quick/a", "/quick/peek"])
    }
}
