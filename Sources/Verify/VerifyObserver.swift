/// Told about every PIN the engine sends and every code it compares, whoever asked (the
/// web app, an API client, the scheduler): the single place metrics and the audit log
/// learn about PINs. Called outside the engine's transactions; must not throw or block long.
public protocol VerifyObserver: Sendable {
    /// An event was handed to its gateway. `scheduled`: fired by the scheduler (the voice
    /// call after an unanswered text), not by a caller.
    func pinSent(_ kind: VerifyEvent.Kind, request: VerifyRequest, scheduled: Bool, now: Int64)
    /// A code was compared with the request's live PIN (`valid` or a wrong guess).
    func pinChecked(_ kind: VerifyEvent.Kind, request: VerifyRequest, valid: Bool, now: Int64)
    /// A send was refused by a limit (SendThrottle): a start or trigger answered with
    /// `refusal.error`, or (`scheduled`) an event the scheduler skipped, ending the request's events.
    func sendRefused(_ refusal: SendRefusal, number: String, accountID: String, scheduled: Bool, now: Int64)
}

extension VerifyObserver {
    public func sendRefused(_ refusal: SendRefusal, number: String, accountID: String, scheduled: Bool, now: Int64) {}
}

extension VerifyEvent.Kind {
    /// The channel as metrics and the audit log name it.
    public var channel: String {
        switch self {
        case .sms: return "sms"
        case .tts: return "voice"
        case .email: return "email"
        }
    }
}
