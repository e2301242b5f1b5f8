import Database
import Foundation
import Messaging
import Support
import Verify

/// The Twilio Verify v2 face on the engine: a verification is an engine request (sid `VE` + its
/// request_id) started under one of the account's Services. The engine's state, send limits
/// and check limit are the same as behind the Vonage face, and so is `purpose` "": an account's
/// live request to a number is one, whichever face started it.
///
/// Where Twilio resends the same code when a verification to the number is still pending, a
/// new start here replaces that verification with a new one and a new code (a new sid): codes
/// are kept only as HMACs, so the old one cannot be sent again, and an old text is worth
/// nothing once a new one is asked for. Each start counts toward the number's send limit.
struct TwilioVerify {
    let app: Application
    let client: ApiClient
    let now: Int64
    var accountSID: String { client.apiKey }

    /// Twilio's verification lifetime: ten minutes.
    static let lifetime = 600

    /// The parameters of a start, read by the controller.
    struct Start {
        var to: String
        var channel: String
        var customFriendlyName: String?
        var locale: String?
        var amount: String?
        var payee: String?
        var customCode: String?
    }

    /// A verification as answered: the engine's request (with its events) and the face's note.
    struct Verification {
        let request: VerifyRequest
        let note: TwilioVerification
    }

    // MARK: Starting

    func start(_ start: Start, service: TwilioService) throws -> Verification {
        guard let channel = TwilioVerification.Channel(rawValue: start.channel) else { throw TwilioError.invalid("Channel") }
        let number = try Self.destination(start.to, channel: channel)
        var brand = service.friendlyName
        if let custom = start.customFriendlyName {
            guard VerifyStart.brandProblem(custom, length: TwilioService.friendlyNameLength) == nil else {
                throw TwilioError.invalid("CustomFriendlyName")
            }
            brand = custom
        }
        var request = channel == .email ? VerifyStart(email: number, brand: brand) : VerifyStart(number: number, brand: brand)
        // Locale as Twilio spells it ("de", "pt-BR"), or else the number's country.
        if let locale = start.locale {
            guard let language = VerifyLanguage(code: locale) else { throw TwilioError.invalid("Locale") }
            request.language = language
        } else {
            request.language = VerifyLanguage.forNumber(number)
        }
        if start.amount != nil || start.payee != nil {
            request.payment = try Self.payment(amount: start.amount, payee: start.payee, service: service)
        }
        if let code = start.customCode {
            // Twilio: the service must enable custom codes; here the client must be allowed them too.
            guard service.customCodeEnabled, client.customCodes, VerifyStart.isCustomCode(code) else { throw TwilioError.invalid("CustomCode") }
            request.customCode = code
        }
        request.codeLength = service.codeLength
        request.pinExpiry = Self.lifetime
        switch channel {
        case .sms: request.workflow = Workflow(id: 6)!
        case .call: request.workflow = Workflow(id: 7)!
        case .email: break   // VerifyStart(email:) chose the e-mail workflow
        }
        // A pending verification of this service to the number is replaced (see the type's comment);
        // any other live request to it (another service's, the Vonage face's) refuses with 60212.
        if let live = try liveVerification(to: number, service: service) { request.replacesRequestID = live.requestID }
        let requestID: String
        do {
            requestID = try app.verify.start(request, accountID: accountSID, ip: "", now: now)
        } catch let error as VerifyError {
            throw TwilioError(error, path: "")
        }
        let note = TwilioVerification(requestID: requestID, serviceSID: service.sid, channel: channel, createdAt: now)
        try app.database.write { try note.insert(in: $0) }
        return try verification(note)
    }

    /// `To` as the engine keeps it: an E.164 number for texts and calls, an address for e-mail.
    static func destination(_ to: String, channel: TwilioVerification.Channel) throws -> String {
        if channel == .email {
            let address = EmailAddress.normalize(to)
            guard EmailAddress.problem(address) == nil else { throw TwilioError.invalid("To") }
            return address
        }
        guard let number = PhoneNumber.fromAPI(to) else { throw TwilioError.invalid("To") }
        return number
    }

    // MARK: Reading

    /// The pending verification named by `sid` under `service`; nil once it is approved, canceled,
    /// expired or failed (Twilio deletes those).
    func pending(sid: String, service: TwilioService) throws -> Verification? {
        guard let requestID = TwilioVerification.requestID(fromSID: sid),
              let note = try app.database.read({ try TwilioVerification.find(requestID: requestID, serviceSID: service.sid, in: $0) })
        else { return nil }
        let found = try verification(note)
        return found.request.status == .inProgress ? found : nil
    }

    /// The account's live request to `number` if `service` started it.
    private func liveVerification(to number: String, service: TwilioService) throws -> TwilioVerification? {
        try app.database.read { db in
            guard let live = try VerifyRequest.live(accountID: accountSID, number: number, purpose: "", in: db),
                  !live.hasRunOut(now: now) else { return nil }
            return try TwilioVerification.find(requestID: live.requestID, serviceSID: service.sid, in: db)
        }
    }

    private func verification(_ note: TwilioVerification) throws -> Verification {
        guard let request = try app.verify.search(requestID: note.requestID, accountID: accountSID, now: now) else {
            throw TwilioError.internalError
        }
        return Verification(request: request, note: note)
    }

    // MARK: Checking

    /// Checks `code` against the pending verification named by `sid`, or else the one to `to`.
    /// Returns it as it stands after the check (approved, or still pending after a wrong code).
    func check(code: String, to: String?, sid: String?, amount: String? = nil, payee: String? = nil,
               service: TwilioService, path: String) throws -> Verification {
        guard !code.isEmpty, code.count <= 10, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TwilioError.invalid("Code")
        }
        let note: TwilioVerification?
        if let sid {
            guard let requestID = TwilioVerification.requestID(fromSID: sid) else { throw TwilioError.invalid("VerificationSid") }
            note = try app.database.read { try TwilioVerification.find(requestID: requestID, serviceSID: service.sid, in: $0) }
        } else if let to {
            note = try liveVerification(to: Self.destination(to, channel: EmailAddress.isDestination(to) ? .email : .sms), service: service)
        } else {
            throw TwilioError.invalid("To")
        }
        guard let note else { throw TwilioError.notFound(path) }
        if let payment = try app.verify.search(requestID: note.requestID, accountID: accountSID, now: now)?.payment {
            // PSD2: the check names the payment it approves; another payee or amount is refused.
            guard let amount = amount, VerifyStart.Payment.amount(Self.euros(amount)) == payment.amount else {
                throw TwilioError.invalid("Amount")
            }
            guard payee == payment.payee else { throw TwilioError.invalid("Payee") }
        }
        do {
            _ = try app.verify.check(requestID: note.requestID, code: code, accountID: accountSID, ip: "", now: now)
        } catch let error as VerifyError where error.status == .wrongCode {
            // Twilio answers a wrong code 200, status still `pending`.
        } catch let error as VerifyError {
            throw TwilioError(error, path: path)
        }
        return try verification(note)
    }

    /// Twilio's Amount and Payee (a Psd2Enabled service only), under the `/verify/psd2/json` rules:
    /// a payee of 1–18 printable characters, an amount in euros ("39.99", "€39.99").
    static func payment(amount: String?, payee: String?, service: TwilioService) throws -> VerifyStart.Payment {
        guard service.psd2Enabled, let amount, let normalized = VerifyStart.Payment.amount(euros(amount)) else {
            throw TwilioError.invalid("Amount")
        }
        guard let payee, VerifyStart.brandProblem(payee, length: VerifyStart.Payment.payeeLength) == nil else {
            throw TwilioError.invalid("Payee")
        }
        return VerifyStart.Payment(payee: payee, amount: normalized)
    }

    /// An amount without its euro sign.
    static func euros(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "€", with: "")
            .trimmingCharacters(in: .whitespaces)
    }

    // MARK: Updating

    /// `Status=approved`: a verification with a custom code, which the client checked itself.
    func approve(sid: String, service: TwilioService, path: String) throws -> Verification {
        guard let found = try pending(sid: sid, service: service) else { throw TwilioError.notFound(path) }
        guard found.request.hasCustomCode else { throw TwilioError.invalid("Status") }
        do {
            try app.verify.approve(requestID: found.note.requestID, accountID: accountSID, now: now)
        } catch let error as VerifyError {
            throw TwilioError(error, path: path)
        }
        return try verification(found.note)
    }

    func cancel(sid: String, service: TwilioService, path: String) throws -> Verification {
        guard let found = try pending(sid: sid, service: service) else { throw TwilioError.notFound(path) }
        do {
            try app.verify.cancelAtOnce(requestID: found.note.requestID, accountID: accountSID, now: now)
        } catch let error as VerifyError {
            throw TwilioError(error, path: path)
        }
        return try verification(found.note)
    }

    /// Cancels what is pending under a service being deleted, so that it holds no number.
    func cancelAll(service: TwilioService) throws {
        let ids = try app.database.read { db in
            try db.query("""
                SELECT t.request_id FROM twilio_verifications t JOIN verify_requests r ON r.request_id = t.request_id
                WHERE t.service_sid = ? AND r.status = 'IN PROGRESS'
                """, [.text(service.sid)]).compactMap { $0.string("request_id") }
        }
        for id in ids { try? app.verify.cancelAtOnce(requestID: id, accountID: accountSID, now: now) }
    }
}
