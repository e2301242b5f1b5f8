/// The application side of the server.
public protocol HTTPResponder: AnyObject, Sendable {
    /// Called on a worker thread, never on an event-loop thread, so it may block
    /// (SQLite, bcrypt). A thrown error becomes a 500 page and an error log line.
    func respond(to request: HTTPRequest) throws -> HTTPResponse
}
