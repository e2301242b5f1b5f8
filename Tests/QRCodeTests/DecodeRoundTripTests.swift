import Foundation
import XCTest
import TestSupport
@testable import QRCode

/// Reads our SVGs back with an independent decoder (ZXing-C++ from PyPI, installed by bin/deps)
/// through Tests/QRCodeTests/decode.py, which rasterises the SVG itself.
final class DecodeRoundTripTests: XCTestCase {
    private struct Sample {
        let name: String
        let code: QRCode
        let bytes: [UInt8]
    }

    private static let decoder = Repository.path("Tests/QRCodeTests/decode.py")

    /// Decodes every sample in one Python run; returns "hex level version mask" or "NONE" per sample.
    private func decode(_ samples: [Sample]) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrcode-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (i, sample) in samples.enumerated() {
            let file = directory.appendingPathComponent("\(i).svg")
            try sample.code.svg(moduleSize: 1, quietZone: 4).write(to: file, atomically: true, encoding: .utf8)
            paths.append(file.path)
        }
        let run = try Subprocess.run("/usr/bin/env", ["python3", Self.decoder] + paths)
        guard run.status == 0 else {
            XCTFail("decode.py failed (run bin/deps to install the zxing-cpp decoder): \(run.err)")
            return []
        }
        return run.out.split(separator: "\n").map(String.init)
    }

    private func assertRoundTrip(_ samples: [Sample], file: StaticString = #filePath, line: UInt = #line) throws {
        let results = try decode(samples)
        XCTAssertEqual(results.count, samples.count, file: file, line: line)
        let levelNames: [QRCode.Correction: String] = [.low: "L", .medium: "M", .quartile: "Q", .high: "H"]
        for (sample, result) in zip(samples, results) {
            let expectedHex = sample.bytes.map { String(format: "%02x", $0) }.joined()
            let code = sample.code
            XCTAssertEqual(result, "\(expectedHex) \(levelNames[code.correction]!) \(code.version) \(code.mask)",
                           sample.name, file: file, line: line)
        }
    }

    private func sample(_ name: String, _ text: String, _ level: QRCode.Correction = .medium) throws -> Sample {
        Sample(name: name, code: try QRCode(text: text, correction: level), bytes: Array(text.utf8))
    }

    func testDecodesTypicalInputs() throws {
        let uri = "otpauth://totp/twofa%20Demo:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=twofa%20Demo&algorithm=SHA1&digits=6&period=30"
        let long = (0..<300).map { String(UnicodeScalar(UInt8(0x21 + $0 % 90))) }.joined()
        try assertRoundTrip([
            try sample("one character", "A"),
            try sample("short", "hello, world"),
            try sample("otpauth URI", uri),
            try sample("300 bytes", long),
            try sample("UTF-8", "Zoë ✓ 日本語 🔐 — naïve café"),
        ])
    }

    func testDecodesEveryLevelAndMask() throws {
        let text = "otpauth://totp/Example:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example"
        var samples = try QRCode.Correction.allCases.map { try sample("level \($0)", text, $0) }
        for mask in 0..<8 {
            let bytes = Array("mask \(mask) / \(text)".utf8)
            samples.append(Sample(name: "mask \(mask)", code: try QRCode(bytes: bytes, correction: .medium, minimumVersion: 1, forcedMask: mask), bytes: bytes))
        }
        XCTAssertEqual(samples.suffix(8).map(\.code.mask), Array(0..<8))
        try assertRoundTrip(samples)
    }

    /// Larger versions exercise version information, many alignment patterns and many
    /// interleaved blocks of two lengths.
    func testDecodesLargerVersions() throws {
        var samples: [Sample] = []
        for (version, level) in [(7, QRCode.Correction.low), (10, .high), (15, .quartile), (27, .medium), (32, .low), (40, .high)] {
            let count = QRCode.capacity(version: version, correction: level)  // full, so padding is the minimum
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ version) }
            let code = try QRCode(bytes: bytes, correction: level, minimumVersion: version, forcedMask: nil)
            XCTAssertEqual(code.version, version)
            samples.append(Sample(name: "version \(version)", code: code, bytes: bytes))
        }
        try assertRoundTrip(samples)
    }
}
