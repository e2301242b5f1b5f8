import Database
import Support
import Verify

/// The engine's observer (VerifyObserver): every PIN sent, verified or failed is counted
/// for /metrics by channel, whoever asked. The audit log learns here about the events the
/// scheduler fires on its own (the voice call after an unanswered text), which no
/// controller sees; sends and checks a person asked for are audited by their controller,
/// with that request's IP and browser.
struct PinActivity: VerifyObserver {
    let database: Database
    let metrics: Metrics

    func pinSent(_ kind: VerifyEvent.Kind, request: VerifyRequest, scheduled: Bool, now: Int64) {
        metrics.pinSent(channel: kind.channel)
        guard scheduled, request.accountID == TextedCode.accountID else { return }
        do {
            try database.write { db in
                guard let userID = try Self.owner(of: request, in: db) else { return }
                try AuditLog.record(.pinSent, userID: userID, detail: Self.detail(kind, to: request.number),
                                    ip: request.clientIP, userAgent: "", now: now, in: db)
            }
        } catch {
            Log.error("audit of a scheduled PIN not recorded: \(error)")
        }
    }

    func sendRefused(_ refusal: SendRefusal, number: String, accountID: String, scheduled: Bool, now: Int64) {
        if scheduled { metrics.scheduledSkipped(reason: refusal.rawValue) } else { metrics.sendRefused(reason: refusal.rawValue) }
        if refusal == .brake, metrics.brakeRefused(hour: SendCounters.hour(now)) {
            Log.warning("VERIFY_MAX_SENDS_PER_HOUR reached: codes to numbers not yet verified are refused until the hour ends "
                        + "(logins to verified numbers still get theirs)")
        }
    }

    func pinChecked(_ kind: VerifyEvent.Kind, request: VerifyRequest, valid: Bool, now: Int64) {
        if valid { metrics.pinVerified(channel: kind.channel) } else { metrics.pinFailed(channel: kind.channel) }
    }

    /// `text message to +44 ••••••• 123` / `voice call to …` / `e-mail to a•••@example.com`:
    /// the channel and the masked destination.
    static func detail(_ kind: VerifyEvent.Kind?, to destination: String) -> String {
        switch kind {
        case .tts: return "voice call to \(Redact.phone(destination))"
        case .email: return "e-mail to \(VerifyStart.redacted(destination))"
        case .sms, nil: return "text message to \(Redact.phone(destination))"
        }
    }

    /// The account a web request belongs to: the session at the PIN step, a number or e-mail
    /// address change, an account deletion, or the owner of the number a passwordless login is for (nil before a sign-up).
    static func owner(of request: VerifyRequest, in db: DatabaseConnection) throws -> Int64? {
        if let row = try db.queryOne("SELECT user_id FROM sessions WHERE verify_request_id = ?", [.text(request.requestID)]) {
            return row.int64("user_id")
        }
        if let userID = try NumberChange.userID(verifyRequestID: request.requestID, in: db) { return userID }
        if let userID = try EmailChange.userID(verifyRequestID: request.requestID, in: db) { return userID }
        if let userID = try DeletionCode.userID(verifyRequestID: request.requestID, in: db) { return userID }
        if let number = try PasswordlessLogin.number(verifyRequestID: request.requestID, in: db) {
            return try User.find(number: number, in: db)?.id
        }
        if let userID = try PasswordReset.userID(verifyRequestID: request.requestID, in: db) { return userID }
        return nil
    }
}
