import Foundation
import HTTP
import Support

/// A provider's API (Twilio, Vonage) on 127.0.0.1, served by our own HTTPServer: it records
/// every request and answers from a script (per path, or for any path), then from its
/// `behaviour`, so a test can check the exact request a client sends and make the provider
/// fail, stall or recover.
public final class FakeProvider: HTTPResponder, @unchecked Sendable {
    public struct Reply {
        public var status: Int
        public var json: String
        /// Seconds to sit on the request before answering (cut short by `stop()`).
        public var delay: Double

        public init(status: Int, json: String, delay: Double = 0) {
            self.status = status
            self.json = json
            self.delay = delay
        }
    }

    private let lock = NSLock()
    private var scriptForAnyPath: [Reply]
    private var scriptPerPath: [String: [Reply]] = [:]
    private let behaviour: (HTTPRequest) -> HTTPResponse
    private var recorded: [HTTPRequest] = []
    private let released = DispatchSemaphore(value: 0)
    private var server: HTTPServer?

    /// Answers `script` in order, whatever the path, then `fallback` for ever.
    public convenience init(_ script: [Reply], fallback: Reply = Reply(status: 500, json: #"{"message":"script ran out"}"#)) throws {
        try self.init(script: script) { _ in Self.answer(fallback.status, fallback.json) }
    }

    /// Answers scripted replies first, then `behaviour` (called outside the recorder's lock).
    public init(script: [Reply] = [], behaviour: @escaping (HTTPRequest) -> HTTPResponse) throws {
        scriptForAnyPath = script
        self.behaviour = behaviour
        var configuration = HTTPServer.Configuration()
        configuration.port = 0
        configuration.loopThreads = 1
        configuration.workerThreads = 4
        let server = HTTPServer(configuration: configuration, responder: self)
        try server.start()
        self.server = server
    }

    public var port: Int { server?.port ?? 0 }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    public var requests: [HTTPRequest] { lock.lock(); defer { lock.unlock() }; return recorded }

    public func requests(to path: String) -> [HTTPRequest] { requests.filter { $0.path == path } }

    /// The next answers to `path`, before the behaviour resumes.
    public func script(_ path: String, _ replies: [Reply]) {
        lock.lock(); scriptPerPath[path, default: []] += replies; lock.unlock()
    }

    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        recorded.append(request)
        var reply: Reply?
        if var queue = scriptPerPath[request.path], !queue.isEmpty {
            reply = queue.removeFirst()
            scriptPerPath[request.path] = queue
        } else if !scriptForAnyPath.isEmpty {
            reply = scriptForAnyPath.removeFirst()
        }
        lock.unlock()
        guard let reply else { return behaviour(request) }
        if reply.delay > 0 { _ = released.wait(timeout: .now() + reply.delay) }
        return Self.answer(reply.status, reply.json)
    }

    /// Lets one delayed reply answer now (a test holding the provider on a gate opens it).
    public func release() { released.signal() }

    /// Wakes any delayed replies, then shuts the server down.
    public func stop() {
        for _ in 0..<8 { released.signal() }
        server?.shutdown()
        server = nil
    }

    public static func answer(_ status: Int, _ json: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(json.utf8))
    }

    /// The form fields of a recorded request.
    public static func form(_ request: HTTPRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in FormURLEncoded.parse(request.body) ?? [] { fields[name] = value }
        return fields
    }

    public static func json(_ request: HTTPRequest) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
    }
}
