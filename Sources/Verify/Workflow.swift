/// The event sequences of Vonage Verify v1, by `workflow_id`
/// (TTS = a voice call that reads the PIN out), and our own e-mail workflow.
public struct Workflow: Sendable, Equatable {
    public let id: Int
    public let events: [VerifyEvent.Kind]

    public static let all: [Int: [VerifyEvent.Kind]] = [
        1: [.sms, .tts, .tts],
        2: [.sms, .sms, .tts],
        3: [.tts, .tts],
        4: [.sms, .sms],
        5: [.sms, .tts],
        6: [.sms],
        7: [.tts],
        emailID: [.email],
    ]
    /// The ids the v1 API accepts (Vonage's).
    public static let ids = 1...7
    /// One code by e-mail: the request's destination is an address. Not one of Vonage's ids
    /// (the v1 API refuses it); stored in `workflow_id` like the others.
    public static let emailID = 100
    public static let email = Workflow(id: emailID)!

    /// Whether the workflow's destination is an e-mail address rather than a phone number.
    public var sendsEmail: Bool { events.first == .email }

    public init?(id: Int) {
        guard let events = Self.all[id] else { return nil }
        self.id = id
        self.events = events
    }

    /// The kind of event number `index` (0-based), or nil when the workflow has no more.
    public func event(at index: Int) -> VerifyEvent.Kind? {
        index >= 0 && index < events.count ? events[index] : nil
    }
}
