/// A text message to one phone number (E.164).
public struct SMSMessage: Sendable, Equatable {
    public let to: String
    public let body: String
    public init(to: String, body: String) { self.to = to; self.body = body }
}

/// Sends text messages. Implementations must never log the body (it holds a PIN)
/// or the full number.
///
/// Both calls block until the provider has answered (or the bounded retries have run
/// out), so call them from a worker thread, never from an HTTP event-loop thread.
public protocol SMSGateway: Sendable {
    func send(_ message: SMSMessage) throws
    /// Like `send`, and says who accepted the message under which id.
    /// Failures throw (`DeliveryError` for the HTTP providers).
    func deliver(_ message: SMSMessage) throws -> DeliveryReceipt
}

extension SMSGateway {
    /// Gateways that only implement `send` still deliver; they just have no id to report.
    public func deliver(_ message: SMSMessage) throws -> DeliveryReceipt {
        try send(message)
        return DeliveryReceipt(provider: String(describing: type(of: self)), messageID: nil)
    }
}

public struct SMSDeliveryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
