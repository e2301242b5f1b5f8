import Database
import Dispatch
import Messaging
import Security
import Support

/// The Verify engine running here: PINs from the CSPRNG (stored only as HMACs), SMS and
/// voice events in the order of the workflow, state in the database.
///
/// Firing an event is claim-then-send: one write transaction moves `event_index` on,
/// stores the new PIN's digest, schedules the following event and records the event as
/// `claimed`; only after it commits is the message handed to the gateway. A crash between
/// the two loses that one event (the user can ask for the next); it can never send twice,
/// because whoever restarts finds the index already moved. We chose at-most-once because a
/// duplicate costs money and looks like fraud, while a lost event is recovered by one click.
public final class BuiltinVerifyEngine: VerifyEngine, @unchecked Sendable {
    let database: Database
    let sms: SMSGateway
    let voice: VoiceGateway
    /// E-mail events (`Workflow.email`); nil when no e-mail is configured, and then such a start is refused.
    let email: EmailGateway?
    let key: [UInt8]
    /// `key` as a keyed HMAC context: PIN digests without keying OpenSSL afresh each time.
    private let pinMAC: HMACKey
    let maxWrongChecks: Int
    let throttle: SendThrottle
    /// Metrics and audit (PinActivity in the app); nil in engine-only uses.
    let observer: VerifyObserver?

    public init(database: Database, sms: SMSGateway, voice: VoiceGateway, email: EmailGateway? = nil, pinKey: [UInt8],
                maxWrongChecks: Int, throttle: SendThrottle, observer: VerifyObserver? = nil) {
        self.database = database; self.sms = sms; self.voice = voice; self.email = email; self.key = pinKey
        pinMAC = HMACKey(pinKey)
        self.maxWrongChecks = maxWrongChecks; self.throttle = throttle; self.observer = observer
    }

    // MARK: Request

    public func start(_ start: VerifyStart, accountID: String, ip: String, now: Int64) throws -> String {
        let requestID = VerifyRequest.newRequestID()
        let send = SendThrottle.Send(number: start.number, purpose: start.purpose, ip: ip, accountID: accountID, isStart: true,
                                     toVerifiedNumber: start.toVerifiedNumber, now: now)
        if start.workflow.sendsEmail {
            if EmailAddress.problem(start.number) != nil { throw VerifyError.invalid("email") }
            if email == nil { throw VerifyError(.invalidParameter, "Invalid value for param: email (e-mail is not configured)") }
        }
        // Before any database work: a destination we don't serve costs nothing.
        if !SendThrottle.allowsCountry(start.number, throttle.countries) { throw SendRefusal.country.reported(for: send, to: observer) }
        // What the checks below read is the number's requests and sends, and the address's
        // sends: starts for other numbers from other addresses run beside this one.
        let keys = ["verify-number:\(start.number)"] + (ip.isEmpty ? [] : ["verify-ip:\(ip)"])
        // The PIN, its digest and the sealed custom code before the write: its body runs on the
        // thread leading the batch, where every other write waits for it.
        let first = firing(event: 0, of: start.workflow, requestID: requestID, payment: start.payment,
                           customCode: start.customCode, codeLength: start.codeLength,
                           pinExpiry: start.pinExpiry, nextEventWait: start.nextEventWait, now: now)
        guard let first else { throw VerifyError(.internalError, "Internal Error") }
        let withheld = start.withholdsCode
            ? VerifyRequest.EventClaim(pinDigest: digest(pin: SecureRandom.token(byteCount: 32), requestID: requestID),
                                       pinExpiresAt: first.claim.pinExpiresAt, nextEventAt: nil)
            : nil
        let sealedCustomCode = start.customCode.map { sealCustomCode($0, requestID: requestID) }
        let claimed: Claimed?
        do {
            claimed = try database.write(lockingOn: keys) { db -> Claimed? in
                // The live request and the send limits are asked together. The budget's and the
                // brake's counters move on in that same batch: a refusal below throws, so the
                // transaction rolls back and they don't count it.
                let read = try db.queries([VerifyRequest.liveStatement(accountID: accountID, number: start.number, purpose: start.purpose)]
                                          + throttle.statements(for: send))
                let live = read[0].first.map(VerifyRequest.init)
                if let live, !live.hasRunOut(now: now), !start.mayReplace(live.requestID) {
                    throw VerifyError(.concurrent, "Concurrent verifications to the same number are not allowed",
                                      requestID: live.requestID)
                }
                if let refusal = throttle.refusal(send, rows: Array(read.dropFirst())) { throw refusal }
                if let live {
                    try VerifyRequest.finalize(pk: live.pk, live.hasRunOut(now: now) ? .expired : .cancelled, now: now, in: db)
                }
                // The request is stored with its first event already claimed, and the event's row
                // sent with it: two statements, asked together, and with them the commit.
                if let withheld {
                    // The digest of 32 random bytes: no code of digits can match it, and no next
                    // event for the scheduler. Its event row is `withheld`: nothing is sent, but the
                    // send limits count it as they would a text, so they can't tell the number apart.
                    _ = try db.finalQueries([
                        VerifyRequest.insertStatement(start, requestID: requestID, accountID: accountID, ip: ip, now: now,
                                                      claimingFirstEvent: withheld),
                        VerifyEvent.claimStatement(requestID: requestID, kind: first.kind, number: start.number, ip: ip, now: now,
                                                   status: .withheld),
                    ])
                    return nil
                }
                let written = try db.finalQueries([
                    VerifyRequest.insertStatement(start, requestID: requestID, accountID: accountID, ip: ip, now: now,
                                                  claimingFirstEvent: first.claim,
                                                  sealedCustomCode: sealedCustomCode),
                    VerifyEvent.claimStatement(requestID: requestID, kind: first.kind, number: start.number, ip: ip, now: now),
                ])
                guard let requestRow = written[0].first, let eventRow = written[1].first else {
                    throw DatabaseError.constraint(message: "INSERT returned no row")
                }
                return Claimed(request: VerifyRequest(row: requestRow), event: VerifyEvent(row: eventRow),
                               kind: first.kind, pin: first.pin)
            }
        } catch let refusal as SendRefusal {
            throw refusal.reported(for: send, to: observer)
        }
        guard let event = claimed else {
            Log.info("verify \(requestID): code withheld from \(VerifyStart.redacted(start.number))")
            return requestID
        }
        let countedTowardBrake = throttle.maxUnverifiedPerHour > 0 && send.countsTowardBrake
        try deliverFirst(event, start: start, countedTowardBrake: countedTowardBrake, now: now)
        return requestID
    }

    /// Sends a new request's first event; when nothing reached the user, the request ends so
    /// a retry can start afresh.
    private func deliverFirst(_ event: Claimed, start: VerifyStart, countedTowardBrake: Bool, now: Int64) throws {
        let requestID = event.request.requestID
        if try !deliver(event, countedTowardBrake: countedTowardBrake) {
            try database.write { try VerifyRequest.finalize(pk: event.request.pk, .failed, now: now, in: $0) }
            throw VerifyError(.internalError, "Internal Error: the code could not be delivered", requestID: requestID)
        }
        Log.info("verify \(requestID): \(event.kind.rawValue) to \(VerifyStart.redacted(start.number)) (workflow \(start.workflow.id))")
    }

    // MARK: Check

    public func check(requestID: String, code: String, accountID: String, ip: String, now: Int64) throws -> String {
        guard VerifyCheck.isCodeForm(code) else {
            throw VerifyError.invalid("code")
        }
        // Told to the observer only once the transaction has committed.
        var compared: (kind: VerifyEvent.Kind, request: VerifyRequest, valid: Bool)?
        // The code's digest before the write (its body runs where every other write waits);
        // a PSD2 request's binds the payment too, known only inside.
        let plainDigest = digest(pin: code, requestID: requestID)
        let outcome: Result<String, VerifyError> = try database.write { db in
            // The request and its newest event asked together, and a check's rows written with
            // the commit: on PostgreSQL two round trips for a check instead of five or six.
            let read = try db.queries([VerifyRequest.findStatement(requestID: requestID),
                                       VerifyEvent.latestStatement(requestID: requestID)])
            guard let r = read[0].first.map(VerifyRequest.init), r.accountID == accountID else {
                return .failure(.notFound(requestID))
            }
            if r.status == .failed && r.wrongChecks >= maxWrongChecks {
                return .failure(VerifyError(.tooManyWrongCodes, "The wrong code was provided too many times. Request terminated",
                                            requestID: requestID))
            }
            guard r.status == .inProgress else { return .failure(.notFound(requestID)) }
            if r.hasRunOut(now: now) {
                try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: db)
                return .failure(.notFound(requestID))
            }
            guard let digest = r.pinDigest, let expires = r.pinExpiresAt, expires > now else {
                // Between events with the last PIN expired: nothing to compare against, and
                // the user did nothing wrong, so it isn't counted.
                try VerifyCheck.record(requestPK: r.pk, code: code, status: .invalid, ip: ip, now: now, in: db)
                return .failure(VerifyError(.wrongCode, "The code provided has expired; a new one comes with the next event",
                                            requestID: requestID))
            }
            let lastEvent = read[1].first.map(VerifyEvent.init)
            let eventID = lastEvent?.eventID ?? ""
            let kind = lastEvent?.kind ?? .sms
            let given = r.payment == nil ? plainDigest : self.digest(pin: code, requestID: r.requestID, payment: r.payment)
            if ConstantTime.equals(given, digest) {
                _ = try db.finalQueries([
                    VerifyCheck.recordStatement(requestPK: r.pk, code: nil, status: .valid, ip: ip, now: now),
                    VerifyRequest.finalizeStatement(pk: r.pk, .success, now: now),
                ])
                compared = (kind, r, true)
                return .success(eventID)
            }
            compared = (kind, r, false)
            let lastTry = r.wrongChecks + 1 >= maxWrongChecks
            _ = try db.finalQueries([
                VerifyCheck.recordStatement(requestPK: r.pk, code: code, status: .invalid, ip: ip, now: now),
                VerifyRequest.wrongCheckStatement(pk: r.pk),
            ] + (lastTry ? [VerifyRequest.finalizeStatement(pk: r.pk, .failed, now: now)] : []))
            if lastTry {
                return .failure(VerifyError(.tooManyWrongCodes, "The wrong code was provided too many times. Request terminated",
                                            requestID: requestID))
            }
            return .failure(VerifyError(.wrongCode, "The code provided does not match the expected value", requestID: requestID))
        }
        if let compared { observer?.pinChecked(compared.kind, request: compared.request, valid: compared.valid, now: now) }
        return try outcome.get()
    }

    // MARK: Search

    public func search(requestID: String, accountID: String, now: Int64) throws -> VerifyRequest? {
        try expireIfRunOut(requestID: requestID, now: now)
        return try database.read { db in
            guard var r = try VerifyRequest.find(requestID: requestID, in: db), r.accountID == accountID else { return nil }
            r.events = try VerifyEvent.all(requestPK: r.pk, in: db)
            r.checks = try VerifyCheck.all(requestPK: r.pk, in: db)
            return r
        }
    }

    // MARK: Control

    public func cancel(requestID: String, accountID: String, now: Int64) throws {
        try cancel(requestID: requestID, accountID: accountID, now: now, vonageRules: true)
    }

    public func cancelAtOnce(requestID: String, accountID: String, now: Int64) throws {
        try cancel(requestID: requestID, accountID: accountID, now: now, vonageRules: false)
    }

    private func cancel(requestID: String, accountID: String, now: Int64, vonageRules: Bool) throws {
        let outcome: VerifyError? = try database.write { db in
            guard let r = try liveRequest(requestID, accountID: accountID, now: now, in: db) else {
                return Self.inactive(requestID)
            }
            if !vonageRules {
                try VerifyRequest.finalize(pk: r.pk, .cancelled, now: now, in: db)
                return nil
            }
            if now - r.createdAt < 30 {
                return VerifyError(.controlRefused, "Verification request ['\(requestID)'] can't be cancelled within the first 30 seconds.",
                                   requestID: requestID)
            }
            if r.eventIndex >= 2 {
                return VerifyError(.controlRefused, "Verification request  ['\(requestID)'] can't be cancelled now. "
                                   + "Too many attempts to re-deliver have already been made.", requestID: requestID)
            }
            try VerifyRequest.finalize(pk: r.pk, .cancelled, now: now, in: db)
            return nil
        }
        if let outcome { throw outcome }
    }

    public func approve(requestID: String, accountID: String, now: Int64) throws {
        let approved = try database.write { db -> Bool in
            guard let r = try liveRequest(requestID, accountID: accountID, now: now, in: db), r.hasCustomCode else { return false }
            try VerifyRequest.finalize(pk: r.pk, .success, now: now, in: db)
            return true
        }
        if !approved { throw Self.inactive(requestID) }
    }

    public func triggerNextEvent(requestID: String, accountID: String, ip: String, now: Int64) throws {
        var send: SendThrottle.Send?
        let claimed: Result<Claimed, VerifyError>
        do {
            claimed = try triggerClaim(requestID: requestID, accountID: accountID, ip: ip, now: now, send: &send)
        } catch let refusal as SendRefusal {
            throw refusal.reported(for: send!, to: observer)
        }
        let event = try claimed.get()
        guard try deliver(event) else {
            throw VerifyError(.internalError, "Internal Error: the code could not be delivered", requestID: requestID)
        }
    }

    /// `triggerNextEvent`'s transaction; a send limit's refusal is thrown (rolling back what it counted).
    private func triggerClaim(requestID: String, accountID: String, ip: String, now: Int64,
                              send: inout SendThrottle.Send?) throws -> Result<Claimed, VerifyError> {
        try database.write { db in
            guard let r = try liveRequest(requestID, accountID: accountID, now: now, in: db) else {
                return .failure(Self.inactive(requestID))
            }
            guard r.nextEventKind != nil else {
                return .failure(VerifyError(.controlRefused, "No more events are left to execute for the request ['\(requestID)']",
                                            requestID: requestID))
            }
            let attempt = SendThrottle.Send(number: r.number, purpose: r.purpose, ip: ip, accountID: r.accountID, now: now)
            send = attempt
            if let refusal = try throttle.admit(attempt, in: db) { throw refusal }
            guard let claimed = try claim(r, index: r.eventIndex, ip: ip, now: now, in: db) else {
                return .failure(Self.inactive(requestID))
            }
            return .success(claimed)
        }
    }

    // MARK: Scheduler

    /// Fires every event that is due and expires requests that ran out. Returns the number
    /// of events fired. Safe to run from several threads or processes: claims are conditional.
    @discardableResult
    public func fireDueEvents(now: Int64, limit: Int = 100) throws -> Int {
        let due = try database.write { db -> [VerifyRequest] in
            _ = try VerifyRequest.expireFinished(now: now, in: db)
            try SendCounters.pruneBrake(now: now, in: db)
            return try VerifyRequest.due(now: now, limit: limit, in: db)
        }
        var fired = 0
        for request in due {
            // A scheduled event is a send like any other: the number's and the address's limits
            // and the account's budget apply. Refused, the request gets no more events and
            // simply runs out when its code expires.
            let send = SendThrottle.Send(number: request.number, purpose: request.purpose, ip: request.clientIP, accountID: request.accountID, now: now)
            let claimed: Claimed?
            do {
                claimed = try database.write { db -> Claimed? in
                    if let refusal = try throttle.admit(send, in: db) { throw refusal }   // rolled back: nothing counted
                    return try claim(request, index: request.eventIndex, ip: request.clientIP, now: now, in: db)
                }
            } catch let refusal as SendRefusal {
                guard try database.write({ try VerifyRequest.stopEvents(pk: request.pk, index: request.eventIndex, in: $0) }) else {
                    continue   // someone else (a trigger) moved it on meanwhile
                }
                Log.warning("verify \(request.requestID): scheduled \(request.nextEventKind?.rawValue ?? "event") to "
                            + "\(VerifyStart.redacted(request.number)) skipped (\(refusal.rawValue)); the request runs out")
                observer?.sendRefused(refusal, number: request.number, accountID: request.accountID, scheduled: true, now: now)
                continue
            }
            guard let claimed else { continue }   // someone else (a trigger) got there first
            _ = try deliver(claimed, scheduled: true)
            fired += 1
        }
        return fired
    }

    // MARK: Events

    /// An event about to be claimed: its kind, a fresh PIN and what the claim writes.
    struct Firing {
        let kind: VerifyEvent.Kind
        let pin: String
        let claim: VerifyRequest.EventClaim
    }

    /// An event claimed in the database, with the PIN to send (held only in memory).
    struct Claimed {
        let request: VerifyRequest
        let event: VerifyEvent
        let kind: VerifyEvent.Kind
        let pin: String
    }

    /// Claims event `index` of `request` with a fresh PIN. Nil when the request has moved
    /// on (another claimer won) or the workflow has no such event.
    private func claim(_ request: VerifyRequest, index: Int, ip: String, now: Int64,
                       in db: DatabaseConnection) throws -> Claimed? {
        guard let next = firing(event: index, of: request.workflow, requestID: request.requestID, payment: request.payment,
                                customCode: try request.sealedCustomCode.map { try openCustomCode($0, requestID: request.requestID) },
                                codeLength: request.codeLength,
                                pinExpiry: request.pinExpiry, nextEventWait: request.nextEventWait, now: now),
              try VerifyRequest.claimEvent(pk: request.pk, index: index, next.claim, now: now, in: db) else { return nil }
        let event = try VerifyEvent.claim(requestID: request.requestID, kind: next.kind, number: request.number, ip: ip,
                                          now: now, in: db)
        return Claimed(request: request, event: event, kind: next.kind, pin: next.pin)
    }

    /// Event `index` of a workflow about to fire. Nil past the workflow's end.
    private func firing(event index: Int, of workflow: Workflow, requestID: String, payment: VerifyStart.Payment?,
                        customCode: String? = nil, codeLength: Int, pinExpiry: Int,
                        nextEventWait: Int, now: Int64) -> Firing? {
        guard let kind = workflow.event(at: index) else { return nil }
        let pin = customCode ?? SecureRandom.digits(codeLength)
        let hasMore = workflow.event(at: index + 1) != nil
        return Firing(kind: kind, pin: pin, claim: VerifyRequest.EventClaim(
            pinDigest: digest(pin: pin, requestID: requestID, payment: payment), pinExpiresAt: now + Int64(pinExpiry),
            nextEventAt: hasMore ? now + Int64(nextEventWait) : nil))
    }

    /// Sends a claimed event outside any transaction (a slow gateway must not hold the
    /// writer) and records the outcome. Returns whether it went out.
    /// A failed delivery gives back what it took from the account's budget (and the brake's hour).
    private func deliver(_ claimed: Claimed, scheduled: Bool = false, countedTowardBrake: Bool = false) throws -> Bool {
        let r = claimed.request
        var delivered = true
        do {
            switch claimed.kind {
            case .sms: try sms.send(SMSMessage(to: r.number, body: Self.smsText(r, pin: claimed.pin)))
            case .tts: _ = try voice.call(VoiceCall(to: r.number, text: Self.voiceText(r, pin: claimed.pin), language: r.language.voiceTag))
            case .email:
                guard let email else { throw DeliveryError.unsent(reason: "e-mail is not configured") }
                _ = try email.send(VerifyEmail.message(to: r.number, brand: r.brand, pin: claimed.pin, text: Self.smsText(r, pin: claimed.pin)))
            }
        } catch {
            Log.error("verify \(r.requestID): \(claimed.kind.rawValue) to \(VerifyStart.redacted(r.number)) failed: \(error)")
            delivered = false
        }
        try VerifyEvent.mark(id: claimed.event.id, delivered ? .sent : .failed, in: database)
        if !delivered {
            try SendCounters.giveBack(accountID: r.accountID, brake: countedTowardBrake, now: claimed.event.createdAt, in: database)
        }
        if delivered { observer?.pinSent(claimed.kind, request: r, scheduled: scheduled, now: claimed.event.createdAt) }
        return delivered
    }

    public static func smsText(brand: String, pin: String, expiry: Int) -> String {
        VerifyLanguage.enUS.sms(brand: brand, pin: pin, expiry: expiry)
    }

    /// A request's text in its language; a PSD2 request's names the payee and the amount.
    static func smsText(_ r: VerifyRequest, pin: String) -> String {
        guard let payment = r.payment else { return r.language.sms(brand: r.brand, pin: pin, expiry: r.pinExpiry) }
        return r.language.psd2SMS(payee: payment.payee, amount: payment.amount, pin: pin, expiry: r.pinExpiry)
    }

    static func voiceText(_ r: VerifyRequest, pin: String) -> String {
        guard let payment = r.payment else { return r.language.voice(brand: r.brand, pin: pin) }
        return r.language.psd2Voice(payee: payment.payee, amount: payment.amount, pin: pin)
    }

    /// The PIN's HMAC, bound to its request and, for PSD2, to the payment: a code proves that
    /// payee and amount (dynamic linking), and a row altered to name others makes it fail.
    func digest(pin: String, requestID: String, payment: VerifyStart.Payment? = nil) -> [UInt8] {
        guard let payment else { return pinMAC.mac("\(requestID):\(pin)") }
        return pinMAC.mac("\(requestID):\(pin):\(payment.amount):\(payment.payee)")
    }

    /// A custom code at rest: AES-256-GCM under a key derived from the PIN key, the request id as
    /// associated data (a sealed code copied to another request does not open).
    func sealCustomCode(_ code: String, requestID: String) -> [UInt8] {
        customCodeBox.seal(Array(code.utf8), associatedData: Array(requestID.utf8))
    }

    func openCustomCode(_ sealed: [UInt8], requestID: String) throws -> String {
        String(decoding: try customCodeBox.open(sealed, associatedData: Array(requestID.utf8)), as: UTF8.self)
    }

    private var customCodeBox: SecretBox {
        // HMAC output is 32 bytes, SecretBox's key size: init cannot fail.
        try! SecretBox(key: Digest.hmacSHA256(key: key, message: "custom-code-box"))
    }

    // MARK: Helpers

    /// The account's request if it is still in progress; one that ran out is expired on the way.
    private func liveRequest(_ requestID: String, accountID: String, now: Int64, in db: DatabaseConnection) throws -> VerifyRequest? {
        guard let r = try VerifyRequest.find(requestID: requestID, in: db), r.accountID == accountID,
              r.status == .inProgress else { return nil }
        if r.hasRunOut(now: now) {
            try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: db)
            return nil
        }
        return r
    }

    private func expireIfRunOut(requestID: String, now: Int64) throws {
        let r = try database.read { try VerifyRequest.find(requestID: requestID, in: $0) }
        if let r, r.hasRunOut(now: now) {
            try database.write { try VerifyRequest.finalize(pk: r.pk, .expired, now: now, in: $0) }
        }
    }

    private static func inactive(_ id: String) -> VerifyError {
        VerifyError(.notFound, "The requestId '\(id)' does not exist or its no longer active.", requestID: id)
    }
}
