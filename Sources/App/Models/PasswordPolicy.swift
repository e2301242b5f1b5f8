import Foundation
import Support

/// NIST SP 800-63B §5.1.1.2 beyond length: no composition rules, but refuse passwords
/// that attackers try first — the 10,000 most common ones (config/common-passwords.txt,
/// the head of the list Django ships) and the account's own username or phone number.
/// The list is read once at start-up into a Set; lookups are case-insensitive.
public struct PasswordPolicy: Sendable {
    private let common: Set<String>

    public var commonCount: Int { common.count }

    public init(commonPasswords: Set<String>) {
        common = Set(commonPasswords.map { $0.lowercased() })
    }

    /// One password per line; blank lines and surrounding whitespace ignored.
    public init(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the common-password list \(path)")
        }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.init(commonPasswords: Set(words))
    }

    /// Why `password` is refused, or nil. `number` is the account's number in E.164.
    public func problem(password: String, username: String, number: String) -> String? {
        let lowered = password.lowercased()
        if common.contains(lowered) {
            return "That password is one of the most common passwords, so it is guessed first. Choose another — a few unrelated words work well."
        }
        if !username.isEmpty && lowered == username.lowercased() {
            return "Your password can't be your username"
        }
        if !number.isEmpty && Self.isPhoneNumber(password, number) {
            return "Your password can't be your phone number"
        }
        return nil
    }

    /// The number in any typed form: `+44 7700 900123`, `447700900123`, or the national
    /// form with a trunk 0 (`07700 900123`).
    static func isPhoneNumber(_ password: String, _ number: String) -> Bool {
        if case .success(let normalized) = PhoneNumber.normalize(password), normalized == number { return true }
        let allowed = Set("0123456789 -.()+\u{00A0}")
        guard password.allSatisfy(allowed.contains) else { return false }
        let digits = password.filter(\.isNumber)
        guard digits.count >= PhoneNumber.minimumDigits - 1, digits.hasPrefix("0") else { return false }
        return number.hasSuffix(String(digits.dropFirst()))
    }
}
