/// The authenticator data (WebAuthn §6.1): what the authenticator signs about itself.
public struct AuthenticatorData: Sendable {
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let userPresent = Flags(rawValue: 0x01)
        public static let userVerified = Flags(rawValue: 0x04)
        public static let backupEligible = Flags(rawValue: 0x08)
        public static let backedUp = Flags(rawValue: 0x10)
        public static let attestedCredentialData = Flags(rawValue: 0x40)
        public static let extensionData = Flags(rawValue: 0x80)
    }

    /// The credential a registration creates (§6.5.1).
    public struct AttestedCredential: Sendable {
        public let aaguid: [UInt8]
        public let credentialID: [UInt8]
        /// The COSE_Key exactly as the authenticator encoded it (what we store).
        public let publicKeyBytes: [UInt8]
        public let publicKey: COSEKey
    }

    public let rpIDHash: [UInt8]
    public let flags: Flags
    public let signCount: UInt32
    public let attestedCredential: AttestedCredential?

    /// The longest credential ID we take (WebAuthn L3 §5.8.3: at most 1023 bytes).
    public static let maxCredentialIDLength = 1023

    /// Parses `bytes` in full: every byte must belong to a field the flags announce.
    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 37 else { throw WebAuthnError(.malformedAuthenticatorData, "the authenticator data is too short") }
        rpIDHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var offset = 37
        if flags.contains(.attestedCredentialData) {
            guard bytes.count >= offset + 18 else {
                throw WebAuthnError(.malformedAuthenticatorData, "the attested credential data is cut short")
            }
            let aaguid = Array(bytes[offset..<offset + 16])
            let idLength = Int(bytes[offset + 16]) << 8 | Int(bytes[offset + 17])
            offset += 18
            guard idLength >= 1, idLength <= Self.maxCredentialIDLength else {
                throw WebAuthnError(.credentialIDLength, "the credential ID is \(idLength) bytes; 1 to \(Self.maxCredentialIDLength) are allowed")
            }
            guard bytes.count >= offset + idLength else {
                throw WebAuthnError(.malformedAuthenticatorData, "the credential ID is cut short")
            }
            let credentialID = Array(bytes[offset..<offset + idLength])
            offset += idLength
            var decoder = CBORDecoder(bytes, offset: offset)
            let key: CBOR
            do { key = try decoder.item() } catch let error as CBORError {
                throw WebAuthnError(.malformedAuthenticatorData, "credential public key: \(error.description)")
            }
            let keyBytes = Array(bytes[offset..<decoder.offset])
            offset = decoder.offset
            let publicKey: COSEKey
            do { publicKey = try COSEKey(key) } catch let error as COSEKeyError {
                throw WebAuthnError(.unsupportedAlgorithm, error.description)
            }
            attestedCredential = AttestedCredential(aaguid: aaguid, credentialID: credentialID,
                                                    publicKeyBytes: keyBytes, publicKey: publicKey)
        } else {
            attestedCredential = nil
        }
        if flags.contains(.extensionData) {
            var decoder = CBORDecoder(bytes, offset: offset)
            do {
                guard try decoder.item().pairs != nil else {
                    throw WebAuthnError(.malformedAuthenticatorData, "the extensions are not a CBOR map")
                }
            } catch let error as CBORError {
                throw WebAuthnError(.malformedAuthenticatorData, "extensions: \(error.description)")
            }
            offset = decoder.offset
        }
        guard offset == bytes.count else {
            throw WebAuthnError(.malformedAuthenticatorData, "\(bytes.count - offset) unexplained bytes after the authenticator data")
        }
    }
}
