/// VERIFY_ENGINE: which Verify engine runs the codes.
public enum VerifyEngineKind: String, Sendable {
    /// Ours: PINs made, sent and scheduled here (BuiltinVerifyEngine).
    case builtin
    /// Vonage's hosted Verify API (VonageVerifyEngine).
    case vonage

    static func parse(_ name: String) throws -> VerifyEngineKind {
        guard let kind = VerifyEngineKind(rawValue: name) else {
            throw ConfigError("VERIFY_ENGINE must be builtin or vonage (got \"\(name)\")")
        }
        return kind
    }
}
