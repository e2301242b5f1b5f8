import Foundation
import HTTP
import Support

/// A provider's API on 127.0.0.1, served by our own HTTPServer: it records every request
/// and answers from a script (then with `fallback`), so a test can check the exact request
/// a gateway sends and make the provider fail, stall or recover.
final class FakeProvider: HTTPResponder, @unchecked Sendable {
    struct Reply {
        var status: Int
        var json: String
        /// Seconds to sit on the request before answering (cut short by `stop()`).
        var delay: Double = 0
    }

    private let lock = NSLock()
    private var script: [Reply]
    private let fallback: Reply
    private var recorded: [HTTPRequest] = []
    private let released = DispatchSemaphore(value: 0)
    private var server: HTTPServer?

    init(_ script: [Reply], fallback: Reply = Reply(status: 500, json: #"{"message":"script ran out"}"#)) throws {
        self.script = script
        self.fallback = fallback
        var configuration = HTTPServer.Configuration()
        configuration.port = 0
        configuration.loopThreads = 1
        configuration.workerThreads = 4
        let server = HTTPServer(configuration: configuration, responder: self)
        try server.start()
        self.server = server
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(server?.port ?? 0)")! }

    var requests: [HTTPRequest] {
        lock.lock(); defer { lock.unlock() }
        return recorded
    }

    func respond(to request: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        recorded.append(request)
        let reply = script.isEmpty ? fallback : script.removeFirst()
        lock.unlock()
        if reply.delay > 0 { _ = released.wait(timeout: .now() + reply.delay) }
        return HTTPResponse(status: reply.status, headers: HTTPHeaders([("Content-Type", "application/json")]),
                            body: Array(reply.json.utf8))
    }

    /// Wakes any delayed replies, then shuts the server down.
    func stop() {
        for _ in 0..<8 { released.signal() }
        server?.shutdown()
        server = nil
    }

    /// The form fields of a recorded request.
    static func form(_ request: HTTPRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in FormURLEncoded.parse(request.body) ?? [] { fields[name] = value }
        return fields
    }

    static func json(_ request: HTTPRequest) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
    }
}

/// Collects log lines so tests can check that no secret is ever logged.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }

    func start() { Log.redirect { [self] line in lock.lock(); stored.append(line); lock.unlock() } }

    func stop() { Log.redirect { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }

    /// The lines that contain any of `secrets` (a test expects none).
    func lines(containingAnyOf secrets: [String]) -> [String] {
        lines.filter { line in secrets.contains { line.contains($0) } }
    }
}
