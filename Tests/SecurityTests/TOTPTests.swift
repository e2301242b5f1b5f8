import Foundation
import XCTest
import TestSupport
@testable import Security

final class TOTPTests: XCTestCase {
    private let rfcSecret = Array("12345678901234567890".utf8)

    // RFC 6238 appendix B, the SHA-1 rows (8 digits).
    func testRFC6238Vectors() {
        let totp = TOTP(secret: rfcSecret, digits: 8)
        let vectors: [(Int64, String)] = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                                          (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]
        for (time, code) in vectors {
            XCTAssertEqual(totp.code(at: time), code, "T = \(time)")
            XCTAssertEqual(totp.verify(code, at: time), time / 30)
        }
        // Six digits are the last six of the same truncation.
        XCTAssertEqual(TOTP(secret: rfcSecret).code(at: 59), "287082")
        XCTAssertEqual(TOTP(secret: rfcSecret).code(at: 1111111109), "081804", "leading zero kept")
    }

    func testStepBoundaries() {
        let totp = TOTP(secret: rfcSecret)
        XCTAssertEqual(totp.step(at: 0), 0)
        XCTAssertEqual(totp.step(at: 29), 0)
        XCTAssertEqual(totp.step(at: 30), 1)
        XCTAssertEqual(totp.step(at: -1), -1)
        XCTAssertEqual(TOTP(secret: rfcSecret, period: 60).step(at: 119), 1)
        XCTAssertNil(totp.verify(totp.code(forStep: 0), at: -31), "before the epoch nothing matches but step 0 is out of reach")
    }

    func testDriftWindowAcceptsOneStepEitherSide() {
        let totp = TOTP(secret: rfcSecret)
        let now: Int64 = 1_700_000_015
        let current = totp.step(at: now)
        for offset: Int64 in -1...1 {
            XCTAssertEqual(totp.verify(totp.code(forStep: current + offset), at: now), current + offset, "t\(offset)")
        }
        for offset: Int64 in [-3, -2, 2, 3] {
            XCTAssertNil(totp.verify(totp.code(forStep: current + offset), at: now), "t\(offset)")
        }
    }

    func testReplayRule() {
        XCTAssertFalse(TOTP.isReplay(step: 10, lastAcceptedStep: nil))
        XCTAssertFalse(TOTP.isReplay(step: 10, lastAcceptedStep: 9))
        XCTAssertTrue(TOTP.isReplay(step: 10, lastAcceptedStep: 10))
        XCTAssertTrue(TOTP.isReplay(step: 9, lastAcceptedStep: 10))

        let totp = TOTP(secret: rfcSecret)
        let now: Int64 = 1_700_000_015
        let current = totp.step(at: now)
        let code = totp.code(forStep: current)
        guard let accepted = totp.verify(code, at: now) else { return XCTFail("fresh code refused") }
        XCTAssertNil(totp.verify(code, at: now, lastAcceptedStep: accepted), "same code twice")
        XCTAssertNil(totp.verify(totp.code(forStep: current - 1), at: now, lastAcceptedStep: accepted), "older code after a newer one")
        XCTAssertEqual(totp.verify(totp.code(forStep: current + 1), at: now + 30, lastAcceptedStep: accepted), current + 1)
    }

    func testMalformedCodesAreRefused() {
        let totp = TOTP(secret: rfcSecret)
        let now: Int64 = 1_700_000_015
        let code = totp.code(at: now)
        XCTAssertEqual(totp.verify(String(code.prefix(3)) + " " + String(code.dropFirst(3)), at: now), totp.step(at: now))
        for bad in ["", String(code.dropLast()), code + "0", "abcdef", "12345x", "-12345", "１２３４５６", " "] {
            XCTAssertNil(totp.verify(bad, at: now), bad)
        }
    }

    func testGeneratedSecrets() {
        let a = TOTP.generateSecret(), b = TOTP.generateSecret()
        XCTAssertEqual(a.count, 20)
        XCTAssertNotEqual(a, b)
    }

    /// Codes from an independent implementation (Python's hmac/hashlib/struct) must be accepted
    /// while they are within the drift window and refused one step too late or too early.
    func testIndependentImplementationAgrees() throws {
        let secrets = (0..<4).map { Array(Digest.sha256("totp reference secret \($0)").prefix(20)) }
        let times: [Int64] = [0, 29, 30, 1_111_111_109, 1_700_000_000, 1_700_000_029, 1_893_456_000, 4_102_444_799]
        let allReference = try referenceCodes(secrets: secrets, times: times)
        XCTAssertEqual(allReference.count, secrets.count)
        for (secret, reference) in zip(secrets, allReference) {
            let totp = TOTP(secret: secret)
            XCTAssertEqual(reference.count, times.count)
            for (time, code) in zip(times, reference) {
                XCTAssertEqual(totp.code(at: time), code, "T = \(time)")
                let step = time / 30
                XCTAssertEqual(totp.verify(code, at: time), step)
                XCTAssertEqual(totp.verify(code, at: (step + 1) * 30 + 29), step, "last second of the next step")
                XCTAssertNil(totp.verify(code, at: (step + 2) * 30), "one step too late")
                if step >= 1 {
                    XCTAssertEqual(totp.verify(code, at: (step - 1) * 30), step, "phone one step ahead")
                    XCTAssertNil(totp.verify(code, at: (step - 1) * 30 - 1), "one step too early")
                }
            }
        }
    }

    /// One Python run: a line of space-separated codes per secret, one code per time.
    private func referenceCodes(secrets: [[UInt8]], times: [Int64]) throws -> [[String]] {
        try ReferenceTOTP.codes(secrets: secrets.map(Hex.encode), encoding: .hex, times: times)
    }
}
