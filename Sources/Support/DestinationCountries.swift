/// The countries we text or call (SMS_COUNTRIES): all of them, or a list of ISO 3166-1
/// alpha-2 codes. A number's country comes from its calling code (`CallingCodes`); with a
/// list, a number in no known country is refused too.
public struct DestinationCountries: Sendable, Equatable {
    /// nil: every country.
    public let allowed: Set<String>?

    public static let all = DestinationCountries(allowed: nil)

    public init(allowed: Set<String>?) { self.allowed = allowed }

    /// `GB,US, de` → GB, US, DE; empty → all. Throws the first entry that is not a country
    /// the calling-code table knows.
    public init(parsing text: String) throws {
        let entries = text.split(separator: ",").map { String($0).trimmingWhitespace().uppercased() }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { self.allowed = nil; return }
        for entry in entries where !CallingCodes.countries.contains(entry) { throw UnknownCountry(code: entry) }
        self.allowed = Set(entries)
    }

    public struct UnknownCountry: Error, Equatable { public let code: String }

    public func allows(_ number: String) -> Bool {
        guard let allowed else { return true }
        return CallingCodes.country(of: number).map(allowed.contains) ?? false
    }
}
