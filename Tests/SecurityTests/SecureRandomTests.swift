import Foundation
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

    /// Small requests come from a per-thread block that refills: across several refills,
    /// and between threads, no bytes are ever handed out twice.
    func testSmallRequestsNeverRepeatAcrossRefillsOrThreads() {
        let perThread = 300   // × 32 bytes: about nine refills of the 1 KiB block
        let lock = NSLock()
        var all: [[UInt8]] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let mine = (0..<perThread).map { i in SecureRandom.bytes(i % 2 == 0 ? 32 : 17) }
            lock.lock(); all += mine; lock.unlock()
        }
        XCTAssertEqual(all.count, 4 * perThread)
        XCTAssertEqual(Set(all).count, all.count)
        // Consecutive 32-byte draws share no 8-byte window: a block handed out twice would.
        var windows = Set<[UInt8]>()
        for sample in all where sample.count == 32 {
            for start in stride(from: 0, to: 32, by: 8) { windows.insert(Array(sample[start..<(start + 8)])) }
        }
        XCTAssertEqual(windows.count, all.filter { $0.count == 32 }.count * 4)
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
