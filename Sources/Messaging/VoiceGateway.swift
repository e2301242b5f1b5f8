/// A phone call to one number (E.164) that speaks `text` once answered.
public struct VoiceCall: Sendable, Equatable {
    public let to: String
    public let text: String
    /// The BCP 47 tag of the text's language (`de-DE`): the provider's voice for it reads the text.
    public let language: String
    public init(to: String, text: String, language: String = "en-US") { self.to = to; self.text = text; self.language = language }

    /// The words for a PIN call, digit by digit and said twice, because a listener
    /// cannot scroll back: "Your twofa code is 1, 2, 3, 4, 5, 6. Again: 1, 2, 3, 4, 5, 6."
    public static func pinScript(brandName: String, pin: String) -> String {
        let spoken = pin.map(String.init).joined(separator: ", ")
        return "Your \(brandName) code is \(spoken). Again: \(spoken)."
    }
}

/// Places calls that read a text aloud. Implementations must never log the text (it
/// holds a PIN) or the full number.
///
/// `call` blocks until the provider has accepted or refused the call (not until the
/// phone is answered); call it from a worker thread, never from an HTTP event-loop thread.
public protocol VoiceGateway: Sendable {
    func call(_ call: VoiceCall) throws -> DeliveryReceipt
}
