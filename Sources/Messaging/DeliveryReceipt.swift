/// What a provider said when it accepted a text or a call.
public struct DeliveryReceipt: Sendable, Equatable {
    /// "outbox", "twilio" or "vonage".
    public let provider: String
    /// The provider's id (Twilio `SM…`/`CA…` sid, Vonage message-id or call uuid);
    /// nil for the outbox. Not secret: safe to log and store.
    public let messageID: String?

    public init(provider: String, messageID: String?) {
        self.provider = provider
        self.messageID = messageID
    }
}
