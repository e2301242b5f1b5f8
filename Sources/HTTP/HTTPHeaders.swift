/// Header fields in the order they were sent or added. Names keep their spelling but are
/// compared case-insensitively (ASCII), as HTTP requires.
public struct HTTPHeaders: Sendable, Sequence {
    public typealias Element = (name: String, value: String)

    private var fields: [Element] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        fields.reserveCapacity(Swift.max(Self.typicalCount, pairs.count))
        for (name, value) in pairs { fields.append((name: name, value: value)) }
    }

    /// Room made at the first field: a page's answer gathers about ten (its type, cookies,
    /// Cache-Control, the request id, the security headers), a browser's request about as
    /// many. Grown from one by doubling, the array was copied and freed five times a page view.
    static let typicalCount = 12

    public var count: Int { fields.count }
    /// Fields that fit before the storage grows (for the tests of `typicalCount`).
    var capacity: Int { fields.capacity }
    public var isEmpty: Bool { fields.isEmpty }

    /// The first value for `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.sameName(field.name, name) { return field.value }
        return nil
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { Self.sameName($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { Self.sameName($0.name, name) }
    }

    public mutating func add(_ name: String, _ value: String) {
        if fields.capacity == 0 { fields.reserveCapacity(Self.typicalCount) }
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with a single one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)   // a no-op scan when the name is new (the usual case)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        remove { Self.sameName($0, name) }
    }

    /// Removes every field whose name `matches` says so (names compared as the caller likes).
    public mutating func remove(where matches: (String) -> Bool) {
        guard fields.contains(where: { matches($0.name) }) else { return }   // no copy when nothing goes
        fields.removeAll { matches($0.name) }
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive comparison without allocating lowercased copies.
    /// Over the strings' own bytes when both have them in one piece (every string on Linux;
    /// a bridged one elsewhere may not): stepping a `UTF8View`'s iterator cost about a hundred
    /// instructions a name, on a dozen names a request.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let fast = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in
                for i in 0..<a.count where !sameLetter(a[i], b[i]) { return false }
                return true
            }
        }
        if let fast = fast ?? nil { return fast }
        return a.utf8.elementsEqual(b.utf8, by: sameLetter)
    }

    /// Equal bytes, or the same ASCII letter in either case.
    private static func sameLetter(_ x: UInt8, _ y: UInt8) -> Bool {
        x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
    }

    /// Whether a comma-separated header (e.g. Connection) lists `token`, case-insensitively.
    func hasToken(_ token: String, in name: String) -> Bool {
        values(name).contains { Self.listHasToken($0, token) }
    }

    /// Whether the comma-separated `value` lists `token`, case-insensitively.
    static func listHasToken(_ value: String, _ token: String) -> Bool {
        for part in value.split(separator: ",") {
            let trimmed = part.trimmingCharacters(ofASCII: " \t")
            if sameName(trimmed, token) { return true }
        }
        return false
    }
}

extension Substring {
    /// Strips leading and trailing characters from the ASCII `set` (no Foundation needed).
    func trimmingCharacters(ofASCII set: String) -> String {
        let drop = set.utf8   // a handful of bytes: a linear scan beats hashing into a Set
        var view = self.utf8[...]
        while let first = view.first, drop.contains(first) { view = view.dropFirst() }
        while let last = view.last, drop.contains(last) { view = view.dropLast() }
        return String(decoding: view, as: UTF8.self)
    }
}
