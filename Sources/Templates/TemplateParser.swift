/// Turns one template's source into a node tree. Works on UTF-8 bytes with a
/// hand-written scanner (no regex): `{{` and `}}` are ASCII, so byte offsets are safe.
/// Partials are left as `.partial` nodes; `PartialResolver` splices them in later.
struct TemplateParser {
    private enum BlockKind: String {
        case `if`, unless, each
    }

    /// A block whose closing tag has not been seen yet.
    private struct OpenBlock {
        let kind: BlockKind
        let path: TemplatePath
        let line: Int
        var body: [TemplateNode] = []
        var otherwise: [TemplateNode] = []
        var elseLine: Int? = nil
    }

    private let file: String
    private let bytes: [UInt8]
    private var line = 1
    private var root: [TemplateNode] = []
    private var open: [OpenBlock] = []

    static func parse(_ source: String, file: String) throws -> [TemplateNode] {
        var parser = TemplateParser(file: file, bytes: Array(source.utf8))
        return try parser.run()
    }

    private init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    private mutating func run() throws -> [TemplateNode] {
        var pos = 0
        while pos < bytes.count {
            guard let tagStart = find(UInt8(ascii: "{"), from: pos) else {
                appendText(pos..<bytes.count)
                break
            }
            appendText(pos..<tagStart)
            let tagLine = line
            let contentStart = tagStart + 2
            guard let tagEnd = findClose(from: contentStart) else {
                throw error("'{{' without a closing '}}'", line: tagLine)
            }
            let content = bytes[contentStart..<tagEnd]
            line += content.lazy.filter { $0 == UInt8(ascii: "\n") }.count
            try handleTag(String(decoding: content, as: UTF8.self), line: tagLine)
            pos = tagEnd + 2
        }
        if let block = open.last {
            throw error("unclosed {{#\(block.kind.rawValue)}} opened here", line: block.line)
        }
        return root
    }

    // MARK: Scanning

    /// Index of the next `cc` pair (e.g. `{{`) at or after `from`.
    private func find(_ c: UInt8, from: Int, before limit: Int? = nil) -> Int? {
        let end = limit ?? bytes.count
        var i = from
        while i + 1 < end {
            if bytes[i] == c && bytes[i + 1] == c { return i }
            i += 1
        }
        return nil
    }

    /// Index of the `}}` ending a tag. Another `{{` first means this tag was never closed.
    private func findClose(from: Int) -> Int? {
        guard let close = find(UInt8(ascii: "}"), from: from) else { return nil }
        if find(UInt8(ascii: "{"), from: from, before: close) != nil { return nil }
        return close
    }

    private mutating func appendText(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let slice = bytes[range]
        line += slice.lazy.filter { $0 == UInt8(ascii: "\n") }.count
        append(.text(Array(slice)))
    }

    /// Adds a node to whichever list is being filled: the innermost block's
    /// body or else-branch, or the top level.
    private mutating func append(_ node: TemplateNode) {
        guard var block = open.popLast() else {
            root.append(node)
            return
        }
        if block.elseLine == nil { block.body.append(node) } else { block.otherwise.append(node) }
        open.append(block)
    }

    // MARK: Tags

    private mutating func handleTag(_ raw: String, line: Int) throws {
        let tag = trim(raw)
        guard let first = tag.first else {
            throw error("empty tag {{ }}", line: line)
        }
        switch first {
        case "!":
            return  // comment
        case "#":
            try openBlock(trim(String(tag.dropFirst())), line: line)
        case "/":
            try closeBlock(trim(String(tag.dropFirst())), line: line)
        case ">":
            let name = trim(String(tag.dropFirst()))
            guard !name.isEmpty else { throw error("{{>}} needs a partial name", line: line) }
            guard name.allSatisfy(Self.isNameChar) else {
                throw error("invalid partial name '\(name)'", line: line)
            }
            append(.partial(name: name, line: line))
        case "{":
            throw error("triple braces are not supported; use {{ raw expr }} for unescaped output", line: line)
        default:
            try plainTag(tag, line: line)
        }
    }

    private mutating func plainTag(_ tag: String, line: Int) throws {
        let (word, rest) = splitWord(tag)
        switch word {
        case "else":
            guard rest.isEmpty else {
                throw error("unknown tag {{\(tag)}} (there is no else-if; nest an {{#if}} inside {{else}})", line: line)
            }
            guard var block = open.popLast() else {
                throw error("stray {{else}} outside any {{#if}}, {{#unless}} or {{#each}}", line: line)
            }
            if let previous = block.elseLine {
                throw error("second {{else}} in {{#\(block.kind.rawValue)}} opened on line \(block.line) (first {{else}} on line \(previous))", line: line)
            }
            block.elseLine = line
            open.append(block)
        case "raw":
            guard !rest.isEmpty else { throw error("{{raw}} needs an expression", line: line) }
            append(.value(try path(rest, line: line), raw: true))
        case "yield":
            guard rest.isEmpty else { throw error("{{yield}} takes no arguments", line: line) }
            append(.yield)
        default:
            append(.value(try path(tag, line: line), raw: false))
        }
    }

    private mutating func openBlock(_ text: String, line: Int) throws {
        let (word, rest) = splitWord(text)
        guard let kind = BlockKind(rawValue: word) else {
            throw error("unknown block keyword {{#\(word)}} (expected #if, #unless or #each)", line: line)
        }
        guard !rest.isEmpty else { throw error("{{#\(word)}} needs an expression", line: line) }
        open.append(OpenBlock(kind: kind, path: try path(rest, line: line), line: line))
    }

    private mutating func closeBlock(_ word: String, line: Int) throws {
        guard let kind = BlockKind(rawValue: word) else {
            throw error("unknown closing tag {{/\(word)}}", line: line)
        }
        guard let block = open.popLast() else {
            throw error("stray {{/\(word)}} with no open {{#\(word)}}", line: line)
        }
        guard block.kind == kind else {
            throw error("{{/\(word)}} closes {{#\(block.kind.rawValue)}} opened on line \(block.line)", line: line)
        }
        switch kind {
        case .if, .unless:
            append(.conditional(block.path, negated: kind == .unless, then: block.body, otherwise: block.otherwise))
        case .each:
            append(.each(block.path, body: block.body, otherwise: block.otherwise))
        }
    }

    /// Parses `this`, `.`, `@index`, `this.a`, or `a.b.c`; anything else
    /// (spaces, operators, calls, `../`) is rejected: templates hold no logic.
    private func path(_ text: String, line: Int) throws -> TemplatePath {
        if text == "." || text == "this" { return .this(rest: []) }
        if text == "@index" { return .index }
        if text.hasPrefix("@") {
            throw error("unknown variable '\(text)' (only @index is supported)", line: line)
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isIdentifierChar) }) else {
            throw error("invalid expression '\(text)' (only names and dotted paths like user.name are allowed)", line: line)
        }
        // Each name's fingerprint now, once, rather than at every render.
        let names = parts.map(TemplateContext.Name.init)
        if parts[0] == "this" { return .this(rest: Array(names.dropFirst())) }
        return .name(first: names[0], rest: Array(names.dropFirst()))
    }

    // MARK: Helpers

    private static func isIdentifierChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    private static func isNameChar(_ c: Character) -> Bool {
        isIdentifierChar(c) || c == "/" || c == "."
    }

    private static func isSpace(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r"
    }

    private func trim(_ s: String) -> String {
        guard let start = s.firstIndex(where: { !Self.isSpace($0) }),
              let end = s.lastIndex(where: { !Self.isSpace($0) }) else { return "" }
        return String(s[start...end])
    }

    /// "if  user.admin" → ("if", "user.admin").
    private func splitWord(_ s: String) -> (String, String) {
        guard let space = s.firstIndex(where: Self.isSpace) else { return (s, "") }
        return (String(s[..<space]), trim(String(s[space...])))
    }

    private func error(_ message: String, line: Int) -> TemplateError {
        TemplateError(file: file, line: line, message: message)
    }
}
