/// Walks a loaded node tree, appending UTF-8 to one growing buffer. A fresh
/// renderer is made per call, so worker threads never share mutable state.
struct TemplateRenderer {
    private(set) var out: [UInt8] = []
    /// The root context: most lookups end here, so it is kept unwrapped.
    private let root: [String: TemplateValue]
    /// One scope per enclosing `{{#each}}` item, innermost last (empty outside loops).
    private var scopes: [TemplateValue] = []
    /// `@index` of each enclosing `{{#each}}`, innermost last.
    private var indices: [Int] = []
    /// The page rendered at `{{ yield }}` when rendering a layout.
    private var page: [TemplateNode]?

    init(context: [String: TemplateValue], page: [TemplateNode]?, capacity: Int) {
        root = context
        self.page = page
        out.reserveCapacity(capacity)
    }

    mutating func render(_ nodes: [TemplateNode]) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                out.append(contentsOf: bytes)
            case .value(let path, let raw):
                emit(lookup(path), raw: raw)
            case .conditional(let path, let negated, let then, let otherwise):
                render(lookup(path).isTruthy != negated ? then : otherwise)
            case .each(let path, let body, let otherwise):
                guard case .array(let items) = lookup(path), !items.isEmpty else {
                    render(otherwise)
                    continue
                }
                indices.append(0)
                for (i, item) in items.enumerated() {
                    indices[indices.count - 1] = i
                    scopes.append(item)
                    render(body)
                    scopes.removeLast()
                }
                indices.removeLast()
            case .yield:
                renderPage()
            case .partial:
                preconditionFailure("unresolved partial reached the renderer")
            }
        }
    }

    /// Renders the page body in place (streaming into the same buffer rather than
    /// rendering it separately and copying). The page is already escaped as it is
    /// rendered, so nothing is escaped twice. It sees only the root context, as if
    /// rendered on its own, and a `{{ yield }}` inside the page renders nothing.
    private mutating func renderPage() {
        guard let body = page else { return }
        let savedScopes = scopes, savedIndices = indices
        scopes = []
        indices = []
        page = nil
        render(body)
        page = body
        scopes = savedScopes
        indices = savedIndices
    }

    private mutating func emit(_ value: TemplateValue, raw: Bool) {
        switch value {
        case .string(let s):
            if raw { HTMLEscape.appendRaw(s, to: &out) } else { HTMLEscape.append(s, to: &out) }
        case .int(let i):
            out.append(contentsOf: String(i).utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null, .array, .dict:
            break  // nothing sensible to print; missing names render empty too
        }
    }

    private func lookup(_ path: TemplatePath) -> TemplateValue {
        switch path {
        case .index:
            return indices.last.map { .int($0) } ?? .null
        case .this(let rest):
            return Self.follow(scopes.last ?? .dict(root), rest)
        case .name(let first, let rest):
            // Innermost scope that has the key wins; `rest` is then followed from
            // that value only (no falling back to outer scopes mid-path).
            for scope in scopes.reversed() {
                if case .dict(let dict) = scope, let value = dict[first] {
                    return rest.isEmpty ? value : Self.follow(value, rest)
                }
            }
            guard let value = root[first] else { return .null }
            return rest.isEmpty ? value : Self.follow(value, rest)
        }
    }

    private static func follow(_ start: TemplateValue, _ keys: [String]) -> TemplateValue {
        var value = start
        for key in keys {
            guard case .dict(let dict) = value, let next = dict[key] else { return .null }
            value = next
        }
        return value
    }
}
