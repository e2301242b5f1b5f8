import XCTest
@testable import Security

final class SecureRandomTests: XCTestCase {
    func testBytesHaveTheRequestedLengthAndDoNotRepeat() {
        XCTAssertEqual(SecureRandom.bytes(0), [])
        XCTAssertEqual(SecureRandom.bytes(1).count, 1)
        let samples = (0..<100).map { _ in SecureRandom.bytes(32) }
        XCTAssertTrue(samples.allSatisfy { $0.count == 32 })
        XCTAssertEqual(Set(samples).count, samples.count)
        // Not all one value: a stuck generator would fail this.
        XCTAssertGreaterThan(Set(SecureRandom.bytes(1024)).count, 200)
    }

    func testTokenIsBase64URLWithoutPadding() {
        let token = SecureRandom.token()
        XCTAssertEqual(token.count, 43)
        XCTAssertEqual(Base64URL.decode(token)?.count, 32)
        XCTAssertFalse(token.contains("="))
        XCTAssertEqual(SecureRandom.token(byteCount: 16).count, 22)
        XCTAssertNotEqual(SecureRandom.token(), SecureRandom.token())
    }

    func testDigitsAreDigits() {
        XCTAssertEqual(SecureRandom.digits(0), "")
        for _ in 0..<100 {
            let pin = SecureRandom.digits(6)
            XCTAssertEqual(pin.count, 6)
            XCTAssertTrue(pin.allSatisfy { ("0"..."9").contains($0) }, pin)
        }
    }

    func testDigitsAreRoughlyUniform() {
        let draws = 60_000
        var counts = [Int](repeating: 0, count: 10)
        for c in SecureRandom.digits(draws) { counts[Int(String(c))!] += 1 }
        let expected = Double(draws) / 10
        for (digit, count) in counts.enumerated() {
            XCTAssertEqual(Double(count), expected, accuracy: expected * 0.15, "digit \(digit): \(counts)")
        }
    }
}
