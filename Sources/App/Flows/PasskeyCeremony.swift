import HTTP
import Security
import Support
import Templates

/// The server's side of a passkey ceremony (issue 17), shared by the three places that run one:
/// adding a passkey (`PasskeysController`), the second step (`PasskeyStepController`) and
/// passkey-only login (`PasskeyLoginController`). Each starts by issuing a challenge bound to this
/// browser (`WebAuthnChallenge`) and handing the page the options `public/passkeys.js` passes to
/// the browser; each ends by consuming that challenge and verifying what came back
/// (`RelyingParty`). Every refusal is counted (`passkeys_refused`) and, where an account is
/// known, written to its activity log.
enum PasskeyCeremony {
    /// A refusal: the HTTP status (400 for input we cannot accept, 403 for a well-formed answer
    /// that does not prove what it must) and the sentence to show.
    struct Refusal: Error {
        let status: Int
        let reason: String
        /// Stable word for the metric and the log.
        let code: String
        /// The account the refused passkey belongs to, when that is known.
        var userID: Int64? = nil
    }

    static let ceremonyTimeoutMilliseconds = WebAuthnChallenge.lifetime * 1000

    // MARK: Options for the page script (WebAuthn §5.4, §5.5; base64url where the API wants bytes)

    static func creationOptions(user: User, userHandle: String, challenge: [UInt8], exclude: [Passkey],
                                context: RequestContext) -> String {
        let rp = context.app.config.passkeys.relyingParty
        let algorithms = rp.algorithms.map { "{\"type\":\"public-key\",\"alg\":\($0.rawValue)}" }.joined(separator: ",")
        let excluded = exclude.map { "{\"type\":\"public-key\",\"id\":\(JSON.quote($0.credentialID))}" }.joined(separator: ",")
        return "{\"rp\":{\"id\":\(JSON.quote(rp.id)),\"name\":\(JSON.quote(context.app.config.brandName))},"
            + "\"user\":{\"id\":\(JSON.quote(userHandle)),\"name\":\(JSON.quote(user.username)),\"displayName\":\(JSON.quote(user.username))},"
            + "\"challenge\":\(JSON.quote(Base64URL.encode(challenge))),\"pubKeyCredParams\":[\(algorithms)],"
            + "\"timeout\":\(ceremonyTimeoutMilliseconds),\"attestation\":\"none\",\"excludeCredentials\":[\(excluded)],"
            + "\"authenticatorSelection\":{\"residentKey\":\"required\",\"requireResidentKey\":true,\"userVerification\":\"required\"}}"
    }

    /// `allow` empty: a discoverable login (the browser offers the passkeys it has for us).
    static func requestOptions(challenge: [UInt8], allow: [Passkey], userVerification: String, context: RequestContext) -> String {
        let allowed = allow.map { "{\"type\":\"public-key\",\"id\":\(JSON.quote($0.credentialID))}" }.joined(separator: ",")
        return "{\"challenge\":\(JSON.quote(Base64URL.encode(challenge))),\"rpId\":\(JSON.quote(context.app.config.passkeys.rpID)),"
            + "\"timeout\":\(ceremonyTimeoutMilliseconds),\"userVerification\":\(JSON.quote(userVerification)),"
            + "\"allowCredentials\":[\(allowed)]}"
    }

    static func issue(_ purpose: WebAuthnChallenge.Purpose, userHandle: String? = nil, context: RequestContext) throws -> [UInt8] {
        guard let binding = context.webAuthnBinding() else { throw Refusal(status: 400, reason: "Your browser sent no cookie.", code: "no_binding") }
        return try context.app.database.write {
            try WebAuthnChallenge.issue(purpose, binding: binding, userHandle: userHandle, now: context.now, in: $0)
        }
    }

    /// Whether the second step's other pages offer "Use your passkey instead".
    static func offered(_ pending: PendingSecondFactor) throws -> Bool {
        let app = pending.context.app
        guard app.config.passkeys.enabled else { return false }
        return try app.database.read { try Passkey.count(userID: pending.user.id, in: $0) } > 0
    }

    // MARK: Verifying

    /// The challenge issued to this browser for `purpose`, used up now.
    static func consume(_ purpose: WebAuthnChallenge.Purpose, context: RequestContext) throws -> WebAuthnChallenge.Issued {
        let binding = context.webAuthnBinding() ?? ""
        guard let challenge = try context.app.database.write({
            try WebAuthnChallenge.consume(purpose, binding: binding, now: context.now, in: $0)
        }) else {
            throw Refusal(status: 400, reason: "That passkey request has expired or was already used. Please try again.", code: "no_challenge")
        }
        return challenge
    }

    /// A base64url form field the page script filled in.
    static func bytes(_ name: String, context: RequestContext, optional: Bool = false) throws -> [UInt8]? {
        let text = context.params[name]
        if text.isEmpty, optional { return nil }
        // 64 KiB is far beyond any real attestation object; anything bigger is not read.
        guard text.utf8.count <= 65_536, let bytes = Base64URL.decode(text), !bytes.isEmpty else {
            throw Refusal(status: 400, reason: "The passkey answer was incomplete (\(name)). Please try again.", code: "malformed_form")
        }
        return bytes
    }

    /// Verifies a registration and stores the passkey.
    static func register(_ signedIn: SignedIn) throws -> Passkey {
        let context = signedIn.context, app = context.app, user = signedIn.user
        let issued = try consume(.register, context: context)
        let credential: RelyingParty.NewCredential
        do {
            credential = try app.config.passkeys.relyingParty.verifyRegistration(
                clientDataJSON: try bytes("client_data_json", context: context)!,
                attestationObject: try bytes("attestation_object", context: context)!,
                challenge: issued.challenge, requireUserVerification: true)
        } catch let error as WebAuthnError {
            throw Refusal(status: 400, reason: error.reason, code: error.kind.rawValue)
        }
        let typed = Passkey.cleanName(context.params["name"])
        let name = typed.isEmpty ? UserAgentSummary.describe(context.request.headers["User-Agent"] ?? "") : typed
        let stored = try app.database.write { db -> Passkey? in
            // The handle the browser stored with the passkey (what a discoverable login hands back).
            try Passkey.create(userID: user.id, userHandle: try issued.userHandle ?? Passkey.userHandle(userID: user.id, in: db),
                               credential: credential, name: name, now: context.now, in: db)
        }
        guard let stored else {
            throw Refusal(status: 400, reason: "That passkey is already registered.", code: "duplicate")
        }
        return stored
    }

    /// What an assertion proved: whose passkey, and whether the user was verified.
    struct Proof {
        let passkey: Passkey
        let userVerified: Bool
    }

    /// Verifies an assertion for `purpose`. `account`: the account being logged into (second
    /// step: the passkey must be one of its own); nil for a discoverable login, where the user
    /// handle the authenticator returned must be the passkey's.
    static func assertion(_ purpose: WebAuthnChallenge.Purpose, account: User?, requireUserVerification: Bool,
                          context: RequestContext) throws -> Proof {
        let app = context.app
        let challenge = try consume(purpose, context: context).challenge
        let credentialID = context.params["credential_id"]
        guard let rawID = Base64URL.decode(credentialID), !rawID.isEmpty, rawID.count <= AuthenticatorData.maxCredentialIDLength else {
            throw Refusal(status: 400, reason: "The passkey answer was incomplete (credential_id). Please try again.", code: "malformed_form")
        }
        guard let passkey = try app.database.read({ try Passkey.find(credentialID: credentialID, in: $0) }) else {
            throw Refusal(status: 403, reason: "That passkey isn't registered here. Sign in another way and add it on the Two-factor page.",
                          code: "unknown_credential")
        }
        if let account {
            guard passkey.userID == account.id else {
                throw refused(Refusal(status: 403, reason: "That passkey belongs to another account.", code: "wrong_account"),
                              userID: account.id, context: context)
            }
        } else {
            // WebAuthn §7.2 step 6: a discoverable login must name the account, and it must be the passkey's.
            guard let handle = try bytes("user_handle", context: context, optional: true),
                  ConstantTime.equals(Array(Base64URL.encode(handle).utf8), Array(passkey.userHandle.utf8)) else {
                throw refused(Refusal(status: 403, reason: "That passkey's account doesn't match.", code: "user_handle"),
                              userID: passkey.userID, context: context)
            }
        }
        let assertion: RelyingParty.Assertion
        do {
            assertion = try app.config.passkeys.relyingParty.verifyAssertion(
                clientDataJSON: try bytes("client_data_json", context: context)!,
                authenticatorData: try bytes("authenticator_data", context: context)!,
                signature: try bytes("signature", context: context)!,
                challenge: challenge, publicKey: passkey.publicKey, requireUserVerification: requireUserVerification)
        } catch let error as WebAuthnError {
            let message = error.kind == .userNotVerified
                ? "Your passkey didn't check it was you (no PIN, fingerprint or face). Use a passkey that does, or another way below."
                : error.reason
            throw refused(Refusal(status: error.kind == .badSignature || error.kind == .userNotVerified ? 403 : 400,
                                  reason: message, code: error.kind.rawValue), userID: passkey.userID, context: context)
        }
        // §7.2 step 21: a counter that failed to increase is recorded and shown; refused by setting.
        let cloned = passkey.counterRegressed(to: assertion.signCount)
        try app.database.write {
            try passkey.recordUse(signCount: assertion.signCount, backedUp: assertion.backedUp, cloneWarning: cloned,
                                  now: context.now, in: $0)
        }
        if cloned {
            Log.warning("passkey \(passkey.id) of user \(passkey.userID): sign counter did not increase (\(assertion.signCount) after \(passkey.signCount))")
            context.audit(.passkeyCloneWarning, userID: passkey.userID, detail: passkey.name)
            app.metrics.passkey("clone_warned")
            if app.config.passkeys.clonePolicy == .refuse {
                throw refused(Refusal(status: 403, reason: "This passkey may have been copied (its counter went backwards), so we can't accept it. "
                                      + "Sign in another way and remove it on the Two-factor page.", code: "clone"),
                              userID: passkey.userID, context: context)
            }
        }
        return Proof(passkey: passkey, userVerified: assertion.userVerified)
    }

    /// `refusal`, naming the account whose passkey it was; returns it to throw.
    static func refused(_ refusal: Refusal, userID: Int64?, context: RequestContext) -> Refusal {
        var named = refusal
        named.userID = userID
        return named
    }

    /// Every refusal passes here once, as the controller answers: counted, and written to the
    /// activity log of the account involved (the passkey's, else `account`: the one logging in).
    static func count(_ refusal: Refusal, account: Int64?, context: RequestContext) {
        context.app.metrics.passkeyRefused(refusal.code)
        if let userID = refusal.userID ?? account { context.audit(.passkeyRefused, userID: userID, detail: refusal.code) }
        Log.info("passkey refused: \(refusal.code)")
    }
}
