/// A loaded template flattened into a list of steps over one buffer of literal text.
///
/// Rendering walks this list instead of the node tree: a step holds only integers, so
/// stepping costs no reference counting, and literal text is a range of one buffer rather
/// than an array per node. Blocks become jumps:
///
///     {{#if p}} A {{else}} B {{/if}}   →  branch(p, else: X)  A  jump(E)  X: B  E:
///     {{#each p}} A {{else}} B {{/each}} →  each(p, else: X)  A  next(A)  jump(E)  X: B  E:
struct TemplateProgram: Sendable {
    enum Step: Sendable, Equatable {
        /// Copy `text[start..<end]`.
        case text(start: Int, end: Int)
        /// Print `paths[path]`, escaped unless `raw`.
        case value(path: Int, raw: Bool)
        /// Go on when `paths[path]` is truthy (falsy with `negated`), else jump to `otherwise`.
        case branch(path: Int, negated: Bool, otherwise: Int)
        /// Start a loop over `paths[path]`; when it is not a non-empty array, jump to `otherwise`.
        case each(path: Int, otherwise: Int)
        /// End of a loop body: back to `body` for the next item, or on past the loop.
        case next(body: Int)
        case jump(Int)
        /// The page, when this is a layout.
        case yield
    }

    private(set) var text: [UInt8] = []
    private(set) var steps: [Step] = []
    private(set) var paths: [TemplatePath] = []
    /// Whether the next text may extend the last step: not once a jump lands after it.
    private var joinsText = false

    /// Bytes of literal text: a cheap lower bound for the output buffer.
    var staticSize: Int { text.count }

    init(_ nodes: [TemplateNode]) {
        append(nodes)
    }

    private mutating func append(_ nodes: [TemplateNode]) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                // Neighbouring text (a spliced partial's edges) is one copy, not two.
                guard !bytes.isEmpty else { continue }
                if joinsText, case .text(let start, _)? = steps.last {
                    steps[steps.count - 1] = .text(start: start, end: text.count + bytes.count)
                } else {
                    steps.append(.text(start: text.count, end: text.count + bytes.count))
                }
                text += bytes
                joinsText = true
            case .value(let path, let raw):
                steps.append(.value(path: index(of: path), raw: raw))
                joinsText = false
            case .conditional(let path, let negated, let then, let otherwise):
                let branch = placeholder()
                append(then)
                let skip = placeholder()
                steps[branch] = .branch(path: index(of: path), negated: negated, otherwise: steps.count)
                append(otherwise)
                steps[skip] = .jump(steps.count)
                joinsText = false
            case .each(let path, let body, let otherwise):
                let start = placeholder()
                append(body)
                steps.append(.next(body: start + 1))
                let skip = placeholder()
                steps[start] = .each(path: index(of: path), otherwise: steps.count)
                append(otherwise)
                steps[skip] = .jump(steps.count)
                joinsText = false
            case .yield:
                steps.append(.yield)
                joinsText = false
            case .partial:
                preconditionFailure("unresolved partial reached the compiler")
            }
        }
    }

    /// A step to be filled in once its jump target is known.
    private mutating func placeholder() -> Int {
        joinsText = false
        steps.append(.yield)
        return steps.count - 1
    }

    private mutating func index(of path: TemplatePath) -> Int {
        if let i = paths.firstIndex(of: path) { return i }
        paths.append(path)
        return paths.count - 1
    }
}
