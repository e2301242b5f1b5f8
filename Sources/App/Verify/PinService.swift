import Database
import Messaging
import Security
import Support

/// The second factor: makes a PIN, texts it, and checks what the user types.
/// PINs come from the CSPRNG, are stored only as HMAC-SHA256 under a key derived
/// from SECRET_KEY_BASE, expire, are single use, and die after too many wrong tries.
public struct PinService: Sendable {
    public static let digits = 6

    let database: Database
    let gateway: SMSGateway
    let key: [UInt8]
    let brandName: String
    let lifetime: Int
    let maxAttempts: Int
    let resendInterval: Int

    public enum IssueResult: Equatable {
        case sent(Verification)
        /// A code went out less than `resendInterval` seconds ago.
        case throttled(secondsLeft: Int)
        case deliveryFailed
    }

    public enum CheckResult: Equatable {
        case verified(Session, token: String)
        case wrong(triesLeft: Int)
        case tooManyAttempts
        case expired
        case noCode
        case malformed
    }

    /// Sends a fresh PIN for the session, replacing any earlier one.
    /// `throttle` is off when the unverified state begins (login, sign-up), on for "send a new code".
    public func issue(session: Session, user: User, now: Int64, throttle: Bool) throws -> IssueResult {
        let pin = SecureRandom.digits(Self.digits)
        let outcome: IssueResult = try database.write { db in
            if throttle, let last = try Verification.latest(sessionID: session.id, in: db) {
                let wait = Int(last.sentAt + Int64(resendInterval) - now)
                if wait > 0 { return .throttled(secondsLeft: wait) }
            }
            let v = try Verification.create(sessionID: session.id, userID: user.id, number: user.number,
                                            pinDigest: digest(pin: pin, sessionID: session.id),
                                            now: now, lifetime: lifetime, in: db)
            return .sent(v)
        }
        guard case .sent(let verification) = outcome else { return outcome }
        // Deliver outside the write transaction: a slow gateway must not hold the writer.
        do {
            try gateway.send(SMSMessage(to: user.number, body: message(pin: pin)))
            return outcome
        } catch {
            Log.error("SMS to \(Redact.phone(user.number)) failed: \(error)")
            try database.write { try Verification.delete(id: verification.id, in: $0) }
            return .deliveryFailed
        }
    }

    /// Checks a typed code against the session's newest PIN. All state changes happen
    /// inside one write transaction, so two simultaneous submissions can't both win.
    public func check(code: String, session: Session, now: Int64) throws -> CheckResult {
        let typed = code.filter { $0 != " " && $0 != "-" }
        guard typed.count == Self.digits, typed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .malformed }
        return try database.write { db in
            guard let v = try Verification.latest(sessionID: session.id, in: db), v.status != .cancelled else {
                return .noCode
            }
            switch v.status {
            case .failed: return .tooManyAttempts
            case .verified, .cancelled: return .noCode
            case .pending: break
            }
            if v.isExpired(now: now) { return .expired }
            guard ConstantTime.equals(digest(pin: typed, sessionID: session.id), v.pinDigest) else {
                let updated = try v.recordingWrongAttempt(maxAttempts: maxAttempts, in: db)
                return updated.status == .failed ? .tooManyAttempts : .wrong(triesLeft: maxAttempts - updated.attempts)
            }
            try v.markVerified(now: now, in: db)
            try User.markNumberVerified(userID: v.userID, now: now, in: db)
            let (verified, token) = try session.verified(now: now, in: db)
            return .verified(verified, token: token)
        }
    }

    public func message(pin: String) -> String {
        let minutes = lifetime / 60
        let span = lifetime % 60 == 0 ? "\(minutes) minute\(minutes == 1 ? "" : "s")" : "\(lifetime) seconds"
        return "Your \(brandName) code is \(pin). It expires in \(span)."
    }

    func digest(pin: String, sessionID: Int64) -> [UInt8] {
        Digest.hmacSHA256(key: key, message: "\(sessionID):\(pin)")
    }
}
