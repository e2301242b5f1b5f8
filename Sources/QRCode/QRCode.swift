/// A QR Code (ISO/IEC 18004, Model 2) holding bytes in byte mode. The smallest version
/// (1–40) that fits the data at the chosen error-correction level is used, and of the
/// eight mask patterns the one with the lowest penalty score.
///
/// Pure value: no I/O, no randomness, so the same input always gives the same symbol.
public struct QRCode: Sendable {
    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        /// Even version 40 cannot hold this many bytes at this level.
        case dataTooLong(byteCount: Int, maximum: Int)

        public var description: String {
            switch self {
            case let .dataTooLong(count, maximum):
                "\(count) bytes do not fit in a QR code (at most \(maximum) at this error-correction level)"
            }
        }
    }

    public static let versions = 1...40

    /// 1...40; the symbol is 17 + 4 × version modules wide.
    public let version: Int
    public let correction: Correction
    /// 0...7, the mask pattern applied to the data area.
    public let mask: Int
    /// Width and height in modules, without the quiet zone.
    public let size: Int
    private let modules: [Bool]  // row-major, true = dark

    /// Encodes the UTF-8 bytes of `text`. Throws `EncodingError.dataTooLong` when no version fits.
    public init(text: String, correction: Correction = .medium) throws {
        try self.init(bytes: Array(text.utf8), correction: correction)
    }

    public init(bytes: [UInt8], correction: Correction = .medium) throws {
        try self.init(bytes: bytes, correction: correction, minimumVersion: 1, forcedMask: nil)
    }

    /// Tests use `minimumVersion` and `forcedMask` to reach every version and mask pattern.
    init(bytes: [UInt8], correction: Correction, minimumVersion: Int, forcedMask: Int?) throws {
        guard let version = Self.versions.first(where: { $0 >= minimumVersion && Self.capacity(version: $0, correction: correction) >= bytes.count }) else {
            throw EncodingError.dataTooLong(byteCount: bytes.count, maximum: Self.capacity(version: 40, correction: correction))
        }
        let codewords = Self.interleavedCodewords(data: Self.dataCodewords(bytes, version: version, correction: correction),
                                                  version: version, correction: correction)
        var grid = ModuleGrid(version: version)
        grid.placeCodewords(codewords)

        var best: (mask: Int, grid: ModuleGrid)?
        var bestPenalty = Int.max
        for mask in forcedMask.map({ [$0] }) ?? Array(0..<8) {
            var candidate = grid
            candidate.applyMask(mask)
            candidate.drawFormatInformation(correction: correction, mask: mask)
            let penalty = forcedMask == nil ? Penalty.score(size: candidate.size, dark: candidate.dark) : 0
            if penalty < bestPenalty {
                bestPenalty = penalty
                best = (mask, candidate)
            }
        }
        self.version = version
        self.correction = correction
        self.mask = best!.mask
        self.size = grid.size
        self.modules = best!.grid.dark
    }

    /// The mask-selection score of this symbol (lower is better); tests compare masks with it.
    var penalty: Int { Penalty.score(size: size, dark: modules) }

    /// True for a dark module. Coordinates outside the symbol are the light quiet zone.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    // MARK: - Capacity

    /// Most bytes a `version` symbol holds in byte mode at `correction`.
    public static func capacity(version: Int, correction: Correction) -> Int {
        let bits = dataCodewordCount(version: version, correction: correction) * 8 - 4 - characterCountBits(version: version)
        return min(bits / 8, (1 << characterCountBits(version: version)) - 1)
    }

    /// The version `init` would choose for `byteCount` bytes, or nil when none fits.
    public static func minimumVersion(byteCount: Int, correction: Correction) -> Int? {
        versions.first { capacity(version: $0, correction: correction) >= byteCount }
    }

    /// Byte mode's length field is 8 bits up to version 9 and 16 bits after.
    static func characterCountBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// Modules left for codewords once every function pattern and the format/version
    /// information are placed (may not be a multiple of 8: the rest are remainder bits).
    static func rawDataModuleCount(version: Int) -> Int {
        var result = (16 * version + 128) * version + 64  // all modules minus finders, separators, timing, format
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55  // alignment patterns, less their overlap with timing
            if version >= 7 { result -= 36 }  // two 6×3 version information blocks
        }
        return result
    }

    static func dataCodewordCount(version: Int, correction: Correction) -> Int {
        rawDataModuleCount(version: version) / 8
            - correction.eccCodewordsPerBlock(version: version) * correction.blockCount(version: version)
    }

    // MARK: - Codewords

    /// Mode indicator, length, the bytes, terminator, then pad bytes up to the data capacity.
    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let capacityBits = dataCodewordCount(version: version, correction: correction) * 8
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)  // byte mode
        bits.append(bytes.count, count: characterCountBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacityBits - bits.count))  // terminator, shortened if full
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count * 8 < capacityBits {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits data into blocks (short ones first, long ones one codeword longer), appends each
    /// block's Reed–Solomon codewords, then interleaves: data column by column, then ECC likewise.
    static func interleavedCodewords(data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let blockCount = correction.blockCount(version: version)
        let eccLength = correction.eccCodewordsPerBlock(version: version)
        let rawCodewords = rawDataModuleCount(version: version) / 8
        let longBlocks = rawCodewords % blockCount
        let shortDataLength = rawCodewords / blockCount - eccLength

        var dataBlocks: [[UInt8]] = []
        var eccBlocks: [[UInt8]] = []
        var offset = 0
        for index in 0..<blockCount {
            let length = shortDataLength + (index >= blockCount - longBlocks ? 1 : 0)
            let block = Array(data[offset..<offset + length])
            offset += length
            dataBlocks.append(block)
            eccBlocks.append(ReedSolomon.remainder(block, degree: eccLength))
        }
        precondition(offset == data.count, "data codeword count does not match the block table")

        var result: [UInt8] = []
        result.reserveCapacity(rawCodewords)
        for column in 0...shortDataLength {
            for block in dataBlocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<eccLength {
            for block in eccBlocks { result.append(block[column]) }
        }
        return result
    }
}

/// Bits appended most significant first, read back as bytes.
struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        precondition(count >= 0 && value >> count == 0, "value does not fit in \(count) bits")
        for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
    }

    /// Requires a whole number of bytes.
    var bytes: [UInt8] {
        precondition(bits.count % 8 == 0)
        return stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
        }
    }
}
