import XCTest
@testable import Verify

/// A Verify request id: Vonage's shape (32 lowercase hex characters), the time in milliseconds
/// first so that ids made together are neighbours in the index, then 80 random bits.
final class VerifyRequestIDTests: XCTestCase {
    func testShapeAndTimePrefix() {
        let time = 1_764_554_400.123   // 2025-12-01 02:00:00.123 UTC
        let id = VerifyRequest.newRequestID(at: time)
        XCTAssertEqual(id.count, 32)
        XCTAssertTrue(id.allSatisfy { $0.isHexDigit && !$0.isUppercase }, id)
        XCTAssertEqual(UInt64(id.prefix(12), radix: 16), 1_764_554_400_123, id)
    }

    func testLaterIDsSortAfterEarlierOnes() {
        var previous = VerifyRequest.newRequestID(at: 1_764_554_400)
        for step in 1...1000 {
            let id = VerifyRequest.newRequestID(at: 1_764_554_400 + Double(step) * 0.001)
            XCTAssertLessThan(previous, id)
            previous = id
        }
    }

    func testTheRestIsRandom() {
        // In one millisecond, only the random part tells ids apart: none may repeat, and none of
        // its 20 characters may stay the same in every id.
        let ids = (0..<1000).map { _ in VerifyRequest.newRequestID(at: 1_764_554_400.5) }
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertEqual(Set(ids.map { $0.prefix(12) }).count, 1)
        for offset in 12..<32 {
            let characters = Set(ids.map { $0[$0.index($0.startIndex, offsetBy: offset)] })
            XCTAssertGreaterThan(characters.count, 8, "character \(offset) hardly varies")
        }
    }
}
