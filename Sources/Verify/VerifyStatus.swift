/// The `status` strings of the Vonage Verify v1 API, with their documented meanings.
public enum VerifyStatus: String, Sendable {
    case success = "0"
    case throttled = "1"
    case missingParameter = "2"
    case invalidParameter = "3"
    case invalidCredentials = "4"
    case internalError = "5"
    /// Not found, no longer active, or already verified.
    case notFound = "6"
    /// "Partner quota exceeded": here, the API key's daily budget (`--daily-limit`) is spent.
    case quotaExceeded = "9"
    case concurrent = "10"
    /// "The destination number is not in a supported network": here, SMS_COUNTRIES.
    case unsupportedNetwork = "15"
    case wrongCode = "16"
    case tooManyWrongCodes = "17"
    case tooManyRequestIDs = "18"
    case controlRefused = "19"
    /// "This account does not support the parameter: pin_code": here, a client not allowed custom codes.
    case customCodeNotAllowed = "20"
    /// Search only: "No response found".
    case searchNotFound = "101"
}
