import Foundation

/// The server's half of the two WebAuthn ceremonies (W3C WebAuthn Level 3 §7.1 registration,
/// §7.2 authentication), for one RP ID and its allowed origins. Pure: the challenge to expect
/// and the stored key come in, the verdict goes out; keeping challenges single-use and
/// credentials unique is the caller's (the database's) job.
public struct RelyingParty: Sendable {
    public let id: String
    public let origins: [String]
    /// What we ask for in `pubKeyCredParams`, in order of preference; nothing else is accepted.
    public let algorithms: [COSEKey.Algorithm]

    public init(id: String, origins: [String], algorithms: [COSEKey.Algorithm] = [.es256, .eddsa, .rs256]) {
        self.id = id
        self.origins = origins
        self.algorithms = algorithms
    }

    /// A credential a registration created, ready to store.
    public struct NewCredential: Sendable {
        public let credentialID: [UInt8]
        public let publicKey: [UInt8]
        public let algorithm: COSEKey.Algorithm
        public let signCount: UInt32
        public let userVerified: Bool
        public let backupEligible: Bool
        public let backedUp: Bool
        public let aaguid: [UInt8]
        public let attestationFormat: String
    }

    /// What an assertion proved.
    public struct Assertion: Sendable {
        public let signCount: UInt32
        public let userVerified: Bool
        public let backedUp: Bool
    }

    /// §7.1: `clientDataJSON` and `attestationObject` as the browser sent them, `challenge` the
    /// one we issued for this ceremony.
    public func verifyRegistration(clientDataJSON: [UInt8], attestationObject: [UInt8], challenge: [UInt8],
                                   requireUserVerification: Bool) throws -> NewCredential {
        try checkClientData(clientDataJSON, type: "webauthn.create", challenge: challenge)
        let object: CBOR
        do { object = try CBOR.decode(attestationObject) } catch let error as CBORError {
            throw WebAuthnError(.malformedAttestation, "attestation object: \(error.description)")
        }
        guard let format = object[text: "fmt"]?.textString, let statement = object[text: "attStmt"],
              let statementPairs = statement.pairs, let rawAuthData = object[text: "authData"]?.byteString else {
            throw WebAuthnError(.malformedAttestation, "the attestation object lacks fmt, attStmt or authData")
        }
        let authData = try AuthenticatorData(rawAuthData)
        try checkAuthenticatorData(authData, requireUserVerification: requireUserVerification)
        guard let credential = authData.attestedCredential else {
            throw WebAuthnError(.malformedAuthenticatorData, "a registration must carry the new credential")
        }
        guard algorithms.contains(credential.publicKey.algorithm) else {
            throw WebAuthnError(.unsupportedAlgorithm, "the credential uses an algorithm we did not ask for")
        }
        // Attestation: we trust no vendor, so "none" is all we need. "packed" self-attestation
        // (signed by the credential's own key, no certificate) proves no more than "none" and is
        // accepted as such once its signature checks; anything with a certificate chain is refused
        // (we ask for attestation "none", so a browser only sends one if told otherwise).
        switch format {
        case "none":
            guard statementPairs.isEmpty else { throw WebAuthnError(.malformedAttestation, "a \"none\" attestation must be empty") }
        case "packed":
            guard statement[text: "x5c"] == nil else {
                throw WebAuthnError(.unsupportedAttestation, "attestation with a certificate is not accepted; register with attestation \"none\"")
            }
            guard statementPairs.count == 2, statement[text: "alg"]?.int == credential.publicKey.algorithm.rawValue,
                  let signature = statement[text: "sig"]?.byteString else {
                throw WebAuthnError(.malformedAttestation, "a packed self-attestation needs alg (the credential's) and sig")
            }
            guard credential.publicKey.verify(signature: signature, message: rawAuthData + Digest.sha256(clientDataJSON)) else {
                throw WebAuthnError(.badAttestationSignature, "the self-attestation signature does not verify")
            }
        default:
            throw WebAuthnError(.unsupportedAttestation, "attestation format \"\(format.prefix(32))\" is not accepted")
        }
        return NewCredential(credentialID: credential.credentialID, publicKey: credential.publicKeyBytes,
                             algorithm: credential.publicKey.algorithm, signCount: authData.signCount,
                             userVerified: authData.flags.contains(.userVerified),
                             backupEligible: authData.flags.contains(.backupEligible),
                             backedUp: authData.flags.contains(.backedUp), aaguid: credential.aaguid,
                             attestationFormat: format)
    }

    /// §7.2: the assertion's parts as the browser sent them, the challenge we issued, and the
    /// stored COSE key of the credential it names (the caller found that credential and checked
    /// it belongs to the account, or that the user handle matches).
    public func verifyAssertion(clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8],
                                challenge: [UInt8], publicKey: [UInt8], requireUserVerification: Bool) throws -> Assertion {
        try checkClientData(clientDataJSON, type: "webauthn.get", challenge: challenge)
        let authData = try AuthenticatorData(authenticatorData)
        try checkAuthenticatorData(authData, requireUserVerification: requireUserVerification)
        let key: COSEKey
        do { key = try COSEKey(bytes: publicKey) } catch let error as COSEKeyError {
            throw WebAuthnError(.unsupportedAlgorithm, "stored key: \(error.description)")
        }
        guard key.verify(signature: signature, message: authenticatorData + Digest.sha256(clientDataJSON)) else {
            throw WebAuthnError(.badSignature, "the signature does not verify with this passkey")
        }
        return Assertion(signCount: authData.signCount, userVerified: authData.flags.contains(.userVerified),
                         backedUp: authData.flags.contains(.backedUp))
    }

    /// §7.1 steps 5–12 / §7.2 steps 10–15: parsed as JSON (never compared as text).
    func checkClientData(_ bytes: [UInt8], type: String, challenge: [UInt8]) throws {
        guard bytes.count <= 4096,
              let parsed = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw WebAuthnError(.malformedClientData, "clientDataJSON is not a JSON object")
        }
        guard let sentType = parsed["type"] as? String, sentType == type else {
            throw WebAuthnError(.wrongType, "clientDataJSON.type is not \(type)")
        }
        guard let sentChallenge = (parsed["challenge"] as? String).flatMap(Base64URL.decode),
              ConstantTime.equals(sentChallenge, challenge) else {
            throw WebAuthnError(.challengeMismatch, "the challenge is not the one we issued")
        }
        guard let origin = parsed["origin"] as? String, origins.contains(origin) else {
            throw WebAuthnError(.originNotAllowed, "the origin is not one of ours")
        }
        // We are never embedded in another site's frame: a cross-origin ceremony is someone else's.
        if let crossOrigin = parsed["crossOrigin"], (crossOrigin as? Bool) != false {
            throw WebAuthnError(.crossOrigin, "a cross-origin ceremony is not accepted")
        }
        if parsed["topOrigin"] != nil { throw WebAuthnError(.crossOrigin, "a cross-origin ceremony is not accepted") }
    }

    /// §7.1 steps 13–17 / §7.2 steps 15–18.
    func checkAuthenticatorData(_ data: AuthenticatorData, requireUserVerification: Bool) throws {
        guard ConstantTime.equals(data.rpIDHash, Digest.sha256(id)) else {
            throw WebAuthnError(.rpIDMismatch, "the passkey is for another site (RP ID hash)")
        }
        guard data.flags.contains(.userPresent) else { throw WebAuthnError(.userNotPresent, "the authenticator did not see the user (UP)") }
        if requireUserVerification, !data.flags.contains(.userVerified) {
            throw WebAuthnError(.userNotVerified, "the authenticator did not verify the user (UV: PIN or biometric)")
        }
        if data.flags.contains(.backedUp), !data.flags.contains(.backupEligible) {
            throw WebAuthnError(.backupStateInconsistent, "backed up (BS) but not backup eligible (BE)")
        }
    }
}
