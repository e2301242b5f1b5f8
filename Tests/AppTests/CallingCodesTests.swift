@testable import App
@testable import Support
import XCTest

/// The calling-code table behind SMS_COUNTRIES: longest prefix wins, and +1 is split by area code.
final class CallingCodesTests: XCTestCase {
    func country(_ number: String) -> String? { CallingCodes.country(of: number) }

    func testTheNorthAmericanNumberingPlanIsSplitByAreaCode() {
        XCTAssertEqual(country("+12125550123"), "US", "New York")
        XCTAssertEqual(country("+14165550123"), "CA", "Toronto")
        XCTAssertEqual(country("+16045550123"), "CA", "Vancouver")
        XCTAssertEqual(country("+18765550123"), "JM", "Jamaica, a favourite pumping target")
        XCTAssertEqual(country("+16585550123"), "JM")
        XCTAssertEqual(country("+12685550123"), "AG")
        XCTAssertEqual(country("+18095550123"), "DO")
        XCTAssertEqual(country("+18495550123"), "DO")
        XCTAssertEqual(country("+17875550123"), "PR", "US territories with their own ISO code are their own countries")
        XCTAssertEqual(country("+16715550123"), "GU")
        XCTAssertEqual(country("+14415550123"), "BM")
        XCTAssertEqual(country("+18005550123"), "US", "toll-free stays in the US")
        for (areaCode, expected) in CallingCodes.nanpCountries {
            XCTAssertEqual(country("+1\(areaCode)5550123"), expected, areaCode)
        }
        XCTAssertEqual(CallingCodes.nanpCountries.count, 27, "23 members besides the US and Canada; JM and PR have two area codes, DO three")
    }

    func testSharedAndOverlappingCodes() {
        XCTAssertEqual(country("+447700900123"), "GB")
        XCTAssertEqual(country("+441534123456"), "JE", "longest prefix wins")
        XCTAssertEqual(country("+74951234567"), "RU")
        XCTAssertEqual(country("+77012345678"), "KZ")
        XCTAssertEqual(country("+76012345678"), "KZ")
        XCTAssertEqual(country("+4915112345678"), "DE")
        XCTAssertEqual(country("+3531234567"), "IE")
        XCTAssertEqual(country("+35818123456"), "AX")
        XCTAssertEqual(country("+262269123456"), "YT")
        XCTAssertEqual(country("+262262123456"), "RE")
        XCTAssertEqual(country("+861012345678"), "CN")
    }

    func testNumbersOutsideAnyCountryHaveNone() {
        XCTAssertNil(country("+881612345678"), "satellite")
        XCTAssertNil(country("+88213456789"), "international networks")
        XCTAssertNil(country("+979123456789"), "international premium rate")
        XCTAssertNil(country("+80012345678"), "international freephone")
    }

    func testDestinationCountries() throws {
        let allowed = try DestinationCountries(parsing: " gb,US , de")
        XCTAssertEqual(allowed.allowed, ["GB", "US", "DE"])
        XCTAssertTrue(allowed.allows("+447700900123"))
        XCTAssertTrue(allowed.allows("+12125550123"))
        XCTAssertFalse(allowed.allows("+18765550123"), "Jamaica is not the US")
        XCTAssertFalse(allowed.allows("+14165550123"), "nor is Canada")
        XCTAssertFalse(allowed.allows("+881612345678"), "no country: refused when a list is set")
        XCTAssertTrue(try DestinationCountries(parsing: "").allows("+881612345678"), "unset: everything")
        XCTAssertThrowsError(try DestinationCountries(parsing: "GB,XX")) {
            XCTAssertEqual($0 as? DestinationCountries.UnknownCountry, DestinationCountries.UnknownCountry(code: "XX"))
        }
    }
}
