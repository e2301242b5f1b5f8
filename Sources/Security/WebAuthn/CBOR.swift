/// A CBOR data item (RFC 8949), as much of it as WebAuthn uses: attestation objects, COSE keys
/// and authenticator extensions. What CTAP2 never sends is refused rather than decoded.
public enum CBOR: Equatable, Sendable {
    case unsigned(UInt64)
    /// Major type 1: the value is −1 − n.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    /// Pairs in the order they came (keys are unique: duplicates are refused).
    case map([Pair])
    case bool(Bool)
    case null

    public struct Pair: Equatable, Sendable {
        public let key: CBOR
        public let value: CBOR
        public init(key: CBOR, value: CBOR) { self.key = key; self.value = value }
    }

    /// The integer value, if this is an integer that fits an Int.
    public var int: Int? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n): return n < UInt64(Int.max) ? -1 - Int(n) : nil
        default: return nil
        }
    }

    public var byteString: [UInt8]? { if case .bytes(let b) = self { return b } else { return nil } }
    public var textString: String? { if case .text(let t) = self { return t } else { return nil } }
    public var pairs: [Pair]? { if case .map(let p) = self { return p } else { return nil } }

    /// The value under an integer key of a map (COSE keys use integer labels).
    public subscript(int key: Int) -> CBOR? {
        pairs?.first { $0.key.int == key }?.value
    }

    /// The value under a text key of a map (attestation objects use text keys).
    public subscript(text key: String) -> CBOR? {
        pairs?.first { $0.key.textString == key }?.value
    }

    /// Decodes exactly one item that fills `bytes`; trailing bytes are an error.
    public static func decode(_ bytes: [UInt8], limits: CBORDecoder.Limits = .init()) throws -> CBOR {
        var decoder = CBORDecoder(bytes, limits: limits)
        let item = try decoder.item()
        guard decoder.offset == bytes.count else { throw CBORError("\(bytes.count - decoder.offset) bytes after the CBOR item") }
        return item
    }
}

/// Why bytes are not CBOR we accept. The description is safe to show (no input bytes in it).
public struct CBORError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A strict, bounded decoder. Strict: definite lengths only, shortest-form heads (CTAP2's
/// canonical encoding), no tags, floats or simple values other than false/true/null, map keys
/// only integers or text and never twice, text valid UTF-8. Bounded: nesting depth and item
/// count are capped, and no length is believed beyond the bytes actually present, so a hostile
/// length cannot make us allocate or loop.
public struct CBORDecoder {
    public struct Limits: Sendable {
        public var maxDepth: Int
        public var maxItems: Int
        public init(maxDepth: Int = 8, maxItems: Int = 512) {
            self.maxDepth = maxDepth
            self.maxItems = maxItems
        }
    }

    let bytes: [UInt8]
    let limits: Limits
    /// Where the next item starts.
    public private(set) var offset: Int
    private var items = 0

    public init(_ bytes: [UInt8], offset: Int = 0, limits: Limits = .init()) {
        self.bytes = bytes
        self.offset = offset
        self.limits = limits
    }

    /// Decodes the item at `offset` and moves past it.
    public mutating func item() throws -> CBOR {
        try item(depth: 1)
    }

    private mutating func item(depth: Int) throws -> CBOR {
        guard depth <= limits.maxDepth else { throw CBORError("CBOR nested deeper than \(limits.maxDepth)") }
        items += 1
        guard items <= limits.maxItems else { throw CBORError("more than \(limits.maxItems) CBOR items") }
        let initial = try byte()
        let major = initial >> 5, info = initial & 0x1F
        if major == 7 {
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            case 31: throw CBORError("CBOR break outside an indefinite-length item")
            default: throw CBORError("CBOR floats and simple values are not accepted")
            }
        }
        let argument = try self.argument(info)
        switch major {
        case 0: return .unsigned(argument)
        case 1: return .negative(argument)
        case 2: return .bytes(try take(argument))
        case 3:
            let raw = try take(argument)
            guard let text = String(validating: raw) else { throw CBORError("CBOR text is not valid UTF-8") }
            return .text(text)
        case 4:
            // Each element takes at least one byte: a count beyond what is left is a lie.
            guard argument <= UInt64(bytes.count - offset) else { throw CBORError("CBOR array longer than the input") }
            var elements: [CBOR] = []
            elements.reserveCapacity(Int(argument))
            for _ in 0..<Int(argument) { elements.append(try item(depth: depth + 1)) }
            return .array(elements)
        case 5:
            guard argument <= UInt64(bytes.count - offset) / 2 else { throw CBORError("CBOR map longer than the input") }
            var pairs: [CBOR.Pair] = []
            pairs.reserveCapacity(Int(argument))
            for _ in 0..<Int(argument) {
                let key = try item(depth: depth + 1)
                switch key {
                case .unsigned, .negative, .text: break
                default: throw CBORError("CBOR map keys must be integers or text")
                }
                guard !pairs.contains(where: { $0.key == key }) else { throw CBORError("CBOR map has a duplicate key") }
                pairs.append(CBOR.Pair(key: key, value: try item(depth: depth + 1)))
            }
            return .map(pairs)
        default:
            throw CBORError("CBOR tags are not accepted")
        }
    }

    /// The head's argument (RFC 8949 §3), refusing indefinite lengths, the reserved values and
    /// any encoding longer than needed.
    private mutating func argument(_ info: UInt8) throws -> UInt64 {
        switch info {
        case 0..<24: return UInt64(info)
        case 24:
            let value = UInt64(try byte())
            guard value >= 24 else { throw CBORError("CBOR integer not in its shortest form") }
            return value
        case 25, 26, 27:
            let width = 1 << Int(info - 24)   // 2, 4 or 8 bytes
            var value: UInt64 = 0
            for _ in 0..<width { value = value << 8 | UInt64(try byte()) }
            guard value > (width == 2 ? 0xFF : width == 4 ? 0xFFFF : 0xFFFF_FFFF) else {
                throw CBORError("CBOR integer not in its shortest form")
            }
            return value
        case 31: throw CBORError("indefinite-length CBOR is not accepted")
        default: throw CBORError("reserved CBOR additional information")
        }
    }

    private mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw CBORError("CBOR ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: UInt64) throws -> [UInt8] {
        guard count <= UInt64(bytes.count - offset) else { throw CBORError("CBOR string longer than the input") }
        let end = offset + Int(count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

private extension String {
    /// Nil unless `bytes` are valid UTF-8 (the standard library's decoding repairs instead).
    init?(validating bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        var scalars = String.UnicodeScalarView()
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: self = String(scalars); return
            case .error: return nil
            }
        }
    }
}

extension CBOR {
    /// The shortest-form encoding (what the decoder accepts back): for tests and the fuzz target's
    /// round trip, never for anything a browser sends us.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    private func encode(into out: inout [UInt8]) {
        func head(_ major: UInt8, _ value: UInt64) {
            let m = major << 5
            switch value {
            case 0..<24: out.append(m | UInt8(value))
            case 24...0xFF: out += [m | 24, UInt8(value)]
            case 0x100...0xFFFF: out.append(m | 25); out += (0..<2).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
            case 0x1_0000...0xFFFF_FFFF: out.append(m | 26); out += (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
            default: out.append(m | 27); out += (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
            }
        }
        switch self {
        case .unsigned(let n): head(0, n)
        case .negative(let n): head(1, n)
        case .bytes(let b): head(2, UInt64(b.count)); out += b
        case .text(let t): head(3, UInt64(t.utf8.count)); out += Array(t.utf8)
        case .array(let items): head(4, UInt64(items.count)); for item in items { item.encode(into: &out) }
        case .map(let pairs): head(5, UInt64(pairs.count)); for pair in pairs { pair.key.encode(into: &out); pair.value.encode(into: &out) }
        case .bool(let b): out.append(b ? 0xF5 : 0xF4)
        case .null: out.append(0xF6)
        }
    }
}
