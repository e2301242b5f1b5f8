/// A text message to one phone number (E.164).
public struct SMSMessage: Sendable, Equatable {
    public let to: String
    public let body: String
    public init(to: String, body: String) { self.to = to; self.body = body }
}

/// Sends text messages. Implementations must never log the body (it holds a PIN)
/// or the full number.
public protocol SMSGateway: Sendable {
    func send(_ message: SMSMessage) throws
}

public struct SMSDeliveryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
