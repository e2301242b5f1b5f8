/// The application side of the server.
public protocol HTTPResponder: AnyObject, Sendable {
    /// Usually called on a worker thread, where it may block (SQLite writes, bcrypt).
    /// For requests `answersOnEventLoop` accepts, it is first tried on the event-loop
    /// thread inside `BlockingGuard.withoutBlocking`; if it tries to block there, its
    /// answer is dropped and it runs again on a worker. A thrown error becomes a 500 page
    /// and an error log line.
    func respond(to request: HTTPRequest) throws -> HTTPResponse

    /// Whether `request` is quick and read-only up to any blocking call, so worth
    /// answering on the event loop (saving two thread hand-offs). Default: never.
    func answersOnEventLoop(_ request: HTTPRequest) -> Bool

    /// Called once per request on the event-loop thread, before `answersOnEventLoop` and
    /// `respond`, to settle what every later step reads: who the client is behind a trusted
    /// proxy (`remoteAddress`, `isSecure`) and the `requestID`. It must not block.
    func prepare(_ request: inout HTTPRequest)
}

extension HTTPResponder {
    public func prepare(_ request: inout HTTPRequest) {}
    public func answersOnEventLoop(_ request: HTTPRequest) -> Bool { false }
}
