/// The names a template reads and their values: a page's context, or a `.dict` value inside it.
/// Built with a dictionary literal (`["user": ["name": "Ann"], "admin": true]`) and read and
/// written by name like a dictionary.
///
/// A short list rather than a hash table. A context holds a dozen or two names, each written
/// once and read once or twice per render, and a `Dictionary<String, _>` hashed every name with
/// SipHash on every insert and every lookup: about a tenth of a page view's instructions
/// (BENCHMARKS.md, "The write path, ninth pass"). Here each name carries a cheap fingerprint
/// (FNV-1a of its UTF-8), a lookup compares fingerprints and then the name itself on a match,
/// and the names a template reads have theirs computed once, when the template is loaded.
public struct TemplateContext: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    /// A name with its fingerprint worked out once.
    struct Name: Sendable, Equatable {
        let text: String
        let fingerprint: UInt64

        /// FNV-1a over the UTF-8 bytes. Not a defence against chosen collisions, and it needs
        /// none: names come from our templates and controllers, and a collision only costs a
        /// comparison of the names themselves.
        static func fingerprint(of text: String) -> UInt64 {
            var text = text   // withUTF8: a pointer to the bytes (iterating `utf8` decoded each one)
            return text.withUTF8 { bytes in
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
                return hash
            }
        }
    }

    fileprivate struct Entry: Sendable {
        let name: Name
        var value: TemplateValue
    }

    /// In the order the names were first set (iteration order; a name appears once).
    private var entries: [Entry] = []

    public init() {}

    public init(minimumCapacity: Int) {
        entries.reserveCapacity(minimumCapacity)
    }

    /// Last one wins on a duplicate name, as assigning them in turn would.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        entries.reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, TemplateValue) {
        for (name, value) in pairs { self[name] = value }
    }

    /// Room for `count` names in all, so that setting them does not regrow the storage.
    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `name`; assigning nil removes it.
    public subscript(name: String) -> TemplateValue? {
        get { self[Name(name)] }
        set { self[Name(name)] = newValue }
    }

    subscript(name: Name) -> TemplateValue? {
        get { index(of: name).map { entries[$0].value } }
        set {
            switch (index(of: name), newValue) {
            case (let i?, let value?): entries[i].value = value
            case (let i?, nil): entries.remove(at: i)
            case (nil, let value?): entries.append(Entry(name: name, value: value))
            case (nil, nil): break
            }
        }
    }

    private func index(of name: Name) -> Int? {
        for i in entries.indices where entries[i].name.fingerprint == name.fingerprint && entries[i].name.text == name.text {
            return i
        }
        return nil
    }

    public struct Iterator: IteratorProtocol {
        private var entries: IndexingIterator<[Entry]>

        fileprivate init(_ entries: [Entry]) { self.entries = entries.makeIterator() }

        public mutating func next() -> (name: String, value: TemplateValue)? {
            entries.next().map { (name: $0.name.text, value: $0.value) }
        }
    }

    public func makeIterator() -> Iterator { Iterator(entries) }

    /// Same names with equal values, in any order (as dictionaries compare).
    public static func == (lhs: TemplateContext, rhs: TemplateContext) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs[$0.name] == $0.value }
    }
}

extension TemplateContext.Name {
    // Here, not in the type, so that tests keep the memberwise init (to make two names collide).
    init(_ text: String) {
        self.init(text: text, fingerprint: Self.fingerprint(of: text))
    }
}
