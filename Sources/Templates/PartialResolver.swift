/// Splices every `{{> partial }}` into the including template at load time, so
/// rendering never looks a partial up. Detects missing partials and cycles.
struct PartialResolver {
    struct Parsed {
        let file: String
        let nodes: [TemplateNode]
    }

    private let parsed: [String: Parsed]
    private var resolved: [String: [TemplateNode]] = [:]

    init(parsed: [String: Parsed]) {
        self.parsed = parsed
    }

    /// The partial-free node list for `name`. `chain` is the include path that
    /// led here (for cycle detection and the error message).
    mutating func resolve(_ name: String, chain: [String] = []) throws -> [TemplateNode] {
        if let done = resolved[name] { return done }
        guard let template = parsed[name] else {
            preconditionFailure("resolve called for unparsed template \(name)")
        }
        let nodes = try resolveList(template.nodes, in: template.file, chain: chain + [name])
        resolved[name] = nodes
        return nodes
    }

    private mutating func resolveList(_ nodes: [TemplateNode], in file: String, chain: [String]) throws -> [TemplateNode] {
        var out: [TemplateNode] = []
        out.reserveCapacity(nodes.count)
        for node in nodes {
            switch node {
            case .partial(let name, let line):
                if chain.contains(name) {
                    let cycle = (chain.drop(while: { $0 != name }) + [name]).joined(separator: " -> ")
                    throw TemplateError(file: file, line: line, message: "partial cycle: \(cycle)")
                }
                guard parsed[name] != nil else {
                    throw TemplateError(file: file, line: line, message: "missing partial '\(name)'")
                }
                for inner in try resolve(name, chain: chain) { Self.append(inner, to: &out) }
            case .conditional(let path, let negated, let then, let otherwise):
                out.append(.conditional(path, negated: negated,
                                        then: try resolveList(then, in: file, chain: chain),
                                        otherwise: try resolveList(otherwise, in: file, chain: chain)))
            case .each(let path, let body, let otherwise):
                out.append(.each(path,
                                 body: try resolveList(body, in: file, chain: chain),
                                 otherwise: try resolveList(otherwise, in: file, chain: chain)))
            case .text, .value, .yield:
                Self.append(node, to: &out)
            }
        }
        return out
    }

    /// Appends, merging adjacent text nodes (left behind by comments and spliced
    /// partials) so rendering does one copy instead of several.
    private static func append(_ node: TemplateNode, to list: inout [TemplateNode]) {
        if case .text(let next) = node, case .text(let previous)? = list.last {
            list[list.count - 1] = .text(previous + next)
        } else {
            list.append(node)
        }
    }
}
