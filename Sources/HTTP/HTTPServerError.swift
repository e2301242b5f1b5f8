/// Failure to start the server, with a message meant for the operator,
/// e.g. "cannot bind 127.0.0.1:3000: Address already in use".
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
