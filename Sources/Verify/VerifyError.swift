/// A Verify operation that did not succeed, as the API reports it: a status, Vonage's
/// `error_text`, and the request id when one belongs in the answer (e.g. status 10).
public struct VerifyError: Error, Equatable, CustomStringConvertible {
    public let status: VerifyStatus
    public let text: String
    public let requestID: String

    public init(_ status: VerifyStatus, _ text: String, requestID: String = "") {
        self.status = status; self.text = text; self.requestID = requestID
    }

    public var description: String { "Verify status \(status.rawValue): \(text)" }

    // Vonage's wording, so clients that match on error_text keep working.
    public static func missing(_ name: String) -> VerifyError {
        VerifyError(.missingParameter, "Your request is incomplete and missing the mandatory parameter `\(name)`")
    }
    public static func invalid(_ name: String) -> VerifyError {
        VerifyError(.invalidParameter, "Invalid value for param: \(name)")
    }
    static func notFound(_ id: String) -> VerifyError {
        VerifyError(.notFound, "The Vonage platform was unable to process this message for the following reason: "
                    + "Request '\(id)' was not found or it has been verified already.", requestID: id)
    }
    public static let throttled = VerifyError(.throttled, "Throttled")
    /// Status 1 as Vonage answers it, with words of our own: the site-wide brake, not this number's limit.
    public static let braked = VerifyError(.throttled, "Throttled: too many codes to new numbers this hour, try again later")
    public static let quotaExceeded = VerifyError(.quotaExceeded, "Partner quota exceeded")
    public static let unsupportedNetwork = VerifyError(.unsupportedNetwork, "The destination number is not in a supported network")
    public static let badCredentials = VerifyError(.invalidCredentials, "Bad credentials")
    public static let customCodeNotAllowed = VerifyError(.customCodeNotAllowed, "This account does not support the parameter: pin_code.")
}
