/// Why a registration or an assertion is refused. `kind` is stable (metrics, tests, logs);
/// `reason` is a sentence for the 400 answer, with nothing from the request echoed in it.
public struct WebAuthnError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case malformedClientData, wrongType, challengeMismatch, originNotAllowed, crossOrigin
        case malformedAttestation, unsupportedAttestation, badAttestationSignature
        case malformedAuthenticatorData, rpIDMismatch, userNotPresent, userNotVerified
        case backupStateInconsistent, unsupportedAlgorithm, credentialIDLength
        case badSignature
    }

    public let kind: Kind
    public let reason: String
    public init(_ kind: Kind, _ reason: String) { self.kind = kind; self.reason = reason }
    public var description: String { "\(kind.rawValue): \(reason)" }
}
