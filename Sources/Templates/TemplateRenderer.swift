/// Runs a compiled template, appending UTF-8 to one growing buffer. A fresh renderer is
/// made per call, so worker threads never share mutable state.
struct TemplateRenderer {
    private(set) var out: [UInt8] = []
    /// The root context: most lookups end here, so it is kept unwrapped.
    private let root: TemplateContext
    /// The enclosing `{{#each}}` loops, innermost last; each one's current item is a scope.
    private var loops: [(items: [TemplateValue], index: Int)] = []
    /// The page rendered at `{{ yield }}` when rendering a layout.
    private var page: TemplateProgram?

    init(context: TemplateContext, page: TemplateProgram?, capacity: Int) {
        root = context
        self.page = page
        out.reserveCapacity(capacity)
    }

    mutating func run(_ program: TemplateProgram) {
        // Plain indexing, no `withUnsafeBufferPointer` closures: inside one, every call
        // on `self` copied the whole renderer.
        let steps = program.steps, text = program.text, paths = program.paths
        var at = 0
        while at < steps.count {
            switch steps[at] {
            case .text(let start, let end):
                out.append(contentsOf: text[start..<end])
                at += 1
            case .value(let path, let raw):
                emit(lookup(paths[path]), raw: raw)
                at += 1
            case .branch(let path, let negated, let otherwise):
                at = lookup(paths[path]).isTruthy != negated ? at + 1 : otherwise
            case .each(let path, let otherwise):
                guard case .array(let items) = lookup(paths[path]), !items.isEmpty else {
                    at = otherwise
                    continue
                }
                loops.append((items, 0))
                at += 1
            case .next(let body):
                let last = loops.count - 1
                let index = loops[last].index + 1
                if index < loops[last].items.count {
                    loops[last].index = index
                    at = body
                } else {
                    loops.removeLast()
                    at += 1
                }
            case .jump(let target):
                at = target
            case .yield:
                renderPage()
                at += 1
            }
        }
    }

    /// Renders the page body in place (streaming into the same buffer rather than
    /// rendering it separately and copying). The page is already escaped as it is
    /// rendered, so nothing is escaped twice. It sees only the root context, as if
    /// rendered on its own, and a `{{ yield }}` inside the page renders nothing.
    private mutating func renderPage() {
        guard let body = page else { return }
        let savedLoops = loops
        loops = []
        page = nil
        run(body)
        page = body
        loops = savedLoops
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
            return loops.last.map { .int($0.index) } ?? .null
        case .this(let rest):
            return Self.follow(loops.last.map { $0.items[$0.index] } ?? .dict(root), rest)
        case .name(let first, let rest):
            // Innermost scope that has the key wins; `rest` is then followed from
            // that value only (no falling back to outer scopes mid-path).
            for loop in loops.reversed() {
                if case .dict(let dict) = loop.items[loop.index], let value = dict[first] {
                    return rest.isEmpty ? value : Self.follow(value, rest)
                }
            }
            guard let value = root[first] else { return .null }
            return rest.isEmpty ? value : Self.follow(value, rest)
        }
    }

    private static func follow(_ start: TemplateValue, _ keys: [TemplateContext.Name]) -> TemplateValue {
        var value = start
        for key in keys {
            guard case .dict(let dict) = value, let next = dict[key] else { return .null }
            value = next
        }
        return value
    }
}
