import XCTest
@testable import QRCode

final class QRCodeTests: XCTestCase {
    // MARK: - Capacity and version choice

    // Byte-mode capacities from ISO/IEC 18004 table 7.
    func testCapacityMatchesTheStandardTable() {
        let table: [(version: Int, l: Int, m: Int, q: Int, h: Int)] = [
            (1, 17, 14, 11, 7), (2, 32, 26, 20, 14), (7, 154, 122, 86, 64), (9, 230, 180, 130, 98),
            (10, 271, 213, 151, 119), (20, 858, 666, 482, 382), (40, 2953, 2331, 1663, 1273),
        ]
        for row in table {
            XCTAssertEqual(QRCode.capacity(version: row.version, correction: .low), row.l, "version \(row.version)-L")
            XCTAssertEqual(QRCode.capacity(version: row.version, correction: .medium), row.m, "version \(row.version)-M")
            XCTAssertEqual(QRCode.capacity(version: row.version, correction: .quartile), row.q, "version \(row.version)-Q")
            XCTAssertEqual(QRCode.capacity(version: row.version, correction: .high), row.h, "version \(row.version)-H")
        }
    }

    func testSmallestFittingVersionIsChosen() throws {
        let cases: [(bytes: Int, version: Int)] = [(0, 1), (1, 1), (14, 1), (15, 2), (122, 7), (123, 8), (150, 8),
                                                   (213, 10), (214, 11), (300, 13), (2331, 40)]
        for c in cases {
            XCTAssertEqual(QRCode.minimumVersion(byteCount: c.bytes, correction: .medium), c.version)
            guard c.bytes <= 300 else { continue }  // big symbols are slow in debug builds; the decode tests encode some
            let code = try QRCode(bytes: [UInt8](repeating: 0x61, count: c.bytes))
            XCTAssertEqual(code.version, c.version, "\(c.bytes) bytes")
            XCTAssertEqual(code.size, 17 + 4 * c.version)
        }
        XCTAssertEqual(try QRCode(bytes: [UInt8](repeating: 0x61, count: 15), correction: .low).version, 1)
        XCTAssertEqual(try QRCode(bytes: [UInt8](repeating: 0x61, count: 15), correction: .high).version, 3)
    }

    func testTooLongThrows() {
        XCTAssertNil(QRCode.minimumVersion(byteCount: 2332, correction: .medium))
        XCTAssertThrowsError(try QRCode(text: String(repeating: "x", count: 2332))) { error in
            XCTAssertEqual(error as? QRCode.EncodingError, .dataTooLong(byteCount: 2332, maximum: 2331))
        }
        // Counted in UTF-8 bytes, not characters: 800 × "€" is 2400 bytes.
        XCTAssertThrowsError(try QRCode(text: String(repeating: "€", count: 800)))
        XCTAssertEqual(QRCode.minimumVersion(byteCount: 2953, correction: .low), 40)
    }

    // MARK: - Codewords and Reed–Solomon

    func testDataCodewordsForByteMode() {
        // 0100 (byte mode) 00000101 (length 5) "hello", terminator 0000, then pad bytes EC 11 EC …
        let codewords = QRCode.dataCodewords(Array("hello".utf8), version: 1, correction: .medium)
        XCTAssertEqual(codewords, [0x40, 0x56, 0x86, 0x56, 0xC6, 0xC6, 0xF0, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC])
        // Version 10 and up use a 16-bit length.
        XCTAssertEqual(Array(QRCode.dataCodewords([0xFF], version: 10, correction: .medium).prefix(4)), [0x40, 0x00, 0x1F, 0xF0])
    }

    func testReedSolomonKnownVectors() {
        // ISO/IEC 18004 annex I: "01234567" at 1-M.
        let iso: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        XCTAssertEqual(ReedSolomon.remainder(iso, degree: 10), [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
        // "HELLO WORLD" at 1-M (alphanumeric data codewords), a widely published worked example.
        let hello: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        XCTAssertEqual(ReedSolomon.remainder(hello, degree: 10), [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    func testReedSolomonGeneratorAndField() {
        XCTAssertEqual(ReedSolomon.multiply(0x80, 2), 0x1D, "x⁸ reduces by 0x11D")
        XCTAssertEqual(ReedSolomon.multiply(0, 0x35), 0)
        // (x − α⁰)(x − α¹) = x² + 3x + 2
        XCTAssertEqual(ReedSolomon.generator(degree: 2), [3, 2])
        // Degree 7 generator, exponents 87 229 146 149 238 102 21 in the standard's α-notation.
        XCTAssertEqual(ReedSolomon.generator(degree: 7), [127, 122, 154, 164, 11, 68, 117])
    }

    func testBlocksAreInterleaved() {
        // Version 5-Q: 2 blocks of 15 and 2 of 16 data codewords, 18 ECC each (134 codewords).
        let data = (0..<62).map { UInt8($0) }
        let all = QRCode.interleavedCodewords(data: data, version: 5, correction: .quartile)
        XCTAssertEqual(all.count, 134)
        XCTAssertEqual(Array(all.prefix(8)), [0, 15, 30, 46, 1, 16, 31, 47])
        // After the 15th column only the two long blocks still have data.
        XCTAssertEqual(Array(all[56..<62]), [14, 29, 44, 60, 45, 61])
        let firstBlockECC = ReedSolomon.remainder(Array(data[0..<15]), degree: 18)
        let secondLongECC = ReedSolomon.remainder(Array(data[46..<62]), degree: 18)
        XCTAssertEqual(all[62], firstBlockECC[0])
        XCTAssertEqual(all[65], secondLongECC[0])
        XCTAssertEqual(all[133], secondLongECC[17])
    }

    // MARK: - Function patterns, format and version information

    func testFormatInformationBits() {
        let known: [(QRCode.Correction, Int, String)] = [
            (.low, 0, "111011111000100"), (.low, 7, "110100101110110"),
            (.medium, 0, "101010000010010"), (.medium, 5, "100000011001110"),
            (.quartile, 2, "011111100110001"), (.quartile, 6, "010111011011010"),
            (.high, 3, "001100111010000"), (.high, 4, "000011101100010"),
        ]
        for (level, mask, bits) in known {
            XCTAssertEqual(ModuleGrid.formatBits(correction: level, mask: mask), Int(bits, radix: 2), "\(level) mask \(mask)")
        }
    }

    func testVersionInformationBits() {
        XCTAssertEqual(ModuleGrid.versionBits(version: 7), 0x07C94)
        XCTAssertEqual(ModuleGrid.versionBits(version: 8), 0x085BC)
        XCTAssertEqual(ModuleGrid.versionBits(version: 21), 0x15683)
        XCTAssertEqual(ModuleGrid.versionBits(version: 40), 0x28C69)
    }

    // ISO/IEC 18004 annex E.
    func testAlignmentPatternPositions() {
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 1), [])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 2), [6, 18])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 7), [6, 22, 38])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 15), [6, 26, 48, 70])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 32), [6, 34, 60, 86, 112, 138])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 36), [6, 24, 50, 76, 102, 128, 154])
        XCTAssertEqual(ModuleGrid.alignmentPatternPositions(version: 40), [6, 30, 58, 86, 114, 142, 170])
    }

    func testSymbolStructure() throws {
        for (text, level) in [("hi", QRCode.Correction.medium), (String(repeating: "z", count: 200), .quartile)] {
            let code = try QRCode(text: text, correction: level)
            let n = code.size
            // Finder pattern rows through the centre: dark, light, dark ×3, light, dark, then the light separator.
            let finderRow = [true, false, true, true, true, false, true, false]
            for i in 0..<8 {
                XCTAssertEqual(code.isDark(x: i, y: 3), finderRow[i])
                XCTAssertEqual(code.isDark(x: n - 1 - i, y: 3), finderRow[i])
                XCTAssertEqual(code.isDark(x: 3, y: n - 1 - i), finderRow[i])
            }
            for i in 8..<(n - 8) {
                XCTAssertEqual(code.isDark(x: i, y: 6), i % 2 == 0, "horizontal timing")
                XCTAssertEqual(code.isDark(x: 6, y: i), i % 2 == 0, "vertical timing")
            }
            XCTAssertTrue(code.isDark(x: 8, y: n - 8), "dark module")
            XCTAssertFalse(code.isDark(x: -1, y: 0))
            XCTAssertFalse(code.isDark(x: n, y: n))

            // Both format copies decode to the level and mask actually used.
            var first = 0, second = 0
            let firstPositions = (0...5).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (9..<15).map { (14 - $0, 8) }
            let secondPositions = (0..<8).map { (n - 1 - $0, 8) } + (8..<15).map { (8, n - 15 + $0) }
            for (i, p) in firstPositions.enumerated() where code.isDark(x: p.0, y: p.1) { first |= 1 << i }
            for (i, p) in secondPositions.enumerated() where code.isDark(x: p.0, y: p.1) { second |= 1 << i }
            XCTAssertEqual(first, ModuleGrid.formatBits(correction: level, mask: code.mask))
            XCTAssertEqual(second, first)
        }
    }

    func testChosenMaskHasTheLowestPenalty() throws {
        let bytes = Array("otpauth://totp/twofa:alice@example.com?secret=JBSWY3DPEHPK3PXP".utf8)
        let chosen = try QRCode(bytes: bytes)
        let penalties = try (0..<8).map { try QRCode(bytes: bytes, correction: .medium, minimumVersion: 1, forcedMask: $0).penalty }
        XCTAssertEqual(chosen.penalty, penalties.min())
        XCTAssertEqual(penalties[chosen.mask], chosen.penalty)
        XCTAssertGreaterThan(Set(penalties).count, 1, "masks should score differently")
    }

    func testPenaltyRules() {
        let n = 21
        // All light: N1 19 per line × 42 lines, N2 3 × 20², N4 10 steps of 5% → 100.
        XCTAssertEqual(Penalty.score(size: n, dark: Array(repeating: false, count: n * n)), 19 * 42 + 3 * 400 + 100)
        // Checkerboard: nothing to penalise (221 of 441 dark is within 5% of half).
        let checker = (0..<(n * n)).map { ($0 / n + $0 % n) % 2 == 0 }
        XCTAssertEqual(Penalty.score(size: n, dark: checker), 0)
        // One finder-like row segment in a checkerboard column 0…6 with light to its right.
        var withFinder = checker
        let pattern = [true, false, true, true, true, false, true, false, false, false, false]
        for (x, d) in pattern.enumerated() { withFinder[x] = d }
        XCTAssertGreaterThanOrEqual(Penalty.score(size: n, dark: withFinder) - Penalty.score(size: n, dark: checker), 40)
    }

    // MARK: - SVG

    func testSVGIsSelfContained() throws {
        let code = try QRCode(text: "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example")
        let svg = code.svg(moduleSize: 5, quietZone: 4)
        let span = code.size + 8
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("viewBox=\"0 0 \(span) \(span)\""))
        XCTAssertTrue(svg.contains("width=\"\(span * 5)\" height=\"\(span * 5)\""))
        XCTAssertTrue(svg.contains("shape-rendering=\"crispEdges\""))
        XCTAssertEqual(svg.components(separatedBy: "<path").count - 1, 1)
        for banned in ["<script", "href", "url(", "<style", "<image", "<foreignObject"] {
            XCTAssertFalse(svg.contains(banned), banned)
        }
        XCTAssertNil(svg.range(of: #"\son\w+="#, options: .regularExpression), "no event handlers")

        // The path's runs cover exactly the dark modules.
        var covered = 0
        let runs = try NSRegularExpression(pattern: #"M(\d+) (\d+)h(\d+)v1h-\3z"#)
        for match in runs.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)) {
            let value = { (i: Int) in Int(svg[Range(match.range(at: i), in: svg)!])! }
            for dx in 0..<value(3) { XCTAssertTrue(code.isDark(x: value(1) - 4 + dx, y: value(2) - 4)) }
            covered += value(3)
        }
        let darkCount = (0..<code.size).flatMap { y in (0..<code.size).map { x in code.isDark(x: x, y: y) } }.filter { $0 }.count
        XCTAssertEqual(covered, darkCount)
    }

    func testEncodingIsDeterministic() throws {
        let a = try QRCode(text: "same input"), b = try QRCode(text: "same input"), c = try QRCode(text: "other input")
        XCTAssertEqual(a.svg(), b.svg())
        XCTAssertNotEqual(a.svg(), c.svg())
    }
}
