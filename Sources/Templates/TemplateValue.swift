/// A value a template can read. Controllers build these with literals:
/// `["user": ["name": "Ann"], "codes": [1, 2], "admin": true, "note": nil]`.
public enum TemplateValue: Sendable, Equatable,
    ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral
{
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([TemplateValue])
    case dict(TemplateContext)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        // Last one wins on a duplicate key rather than trapping at run time.
        self = .dict(TemplateContext(elements))
    }

    /// Template truthiness: missing/null, false, "", 0, [] and [:] are false.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        }
    }
}
