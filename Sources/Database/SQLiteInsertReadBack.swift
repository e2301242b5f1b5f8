import Foundation

/// A one-row `INSERT … RETURNING` run on SQLite as the INSERT alone, then a SELECT of the new
/// row by its rowid.
///
/// SQLite builds a RETURNING clause's rows in a temporary B-tree that it opens and frees on
/// every execution (two zeroed 4 KiB pages and their allocations: ≈ 10 µs). The app writes
/// RETURNING because PostgreSQL needs it and answers it for free; a Verify start runs two, on
/// the writer thread every other write waits for. For one inserted row the read-back is the
/// same row: nothing else runs on the connection in between, and the schema has no trigger to
/// change it after the insert (a test keeps it so).
///
/// Only a statement of exactly this shape is split, anything else runs as written:
/// `INSERT INTO name (columns) VALUES (one row) RETURNING expressions`, with no `OR …`
/// conflict clause, no upsert (`ON CONFLICT`), no `SELECT` or `DEFAULT VALUES` source and no
/// `WITH`. Subqueries inside the row's values are fine (they are inside its parentheses).
struct SQLiteInsertReadBack {
    /// The statement without its RETURNING clause.
    let insert: String
    /// `SELECT <the RETURNING expressions> FROM <table> WHERE rowid = ?` (FROM on a new line).
    let select: String

    /// The split, or nil when `sql` is not of that shape.
    init?(_ sql: String) {
        let tokens = Self.topLevelTokens(sql)
        // INSERT INTO name ( … ) VALUES ( … ) RETURNING …
        guard tokens.count >= 7,
              tokens[0].isWord("INSERT"), tokens[1].isWord("INTO"), tokens[2].kind == .word,
              tokens[3].kind == .group, tokens[4].isWord("VALUES"), tokens[5].kind == .group,
              tokens[6].isWord("RETURNING"),
              // Whatever follows RETURNING is its expression list: no second clause at top level.
              !tokens[7...].contains(where: { $0.isWord("FROM") || $0.isWord("RETURNING") || $0.kind == .semicolon })
        else { return nil }
        let table = String(tokens[2].text)
        guard table.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), table.first?.isNumber == false else { return nil }
        let returning = tokens[6].range
        let expressions = sql[returning.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !expressions.isEmpty else { return nil }
        insert = String(sql[..<returning.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        // FROM on a line of its own: a line comment after the expressions ends before it.
        select = "SELECT \(expressions)\nFROM \(table) WHERE rowid = ?"
    }

    // MARK: Top-level tokens

    struct Token {
        enum Kind { case word, group, other, semicolon }
        let kind: Kind
        let range: Range<String.Index>
        let text: Substring

        func isWord(_ keyword: String) -> Bool { kind == .word && text.caseInsensitiveCompare(keyword) == .orderedSame }
    }

    /// The statement's tokens outside parentheses: words, whole parenthesised groups (with
    /// whatever they hold), and the rest one character at a time. String literals, quoted
    /// identifiers and comments are skipped over (they count as `other`, inside a group or not),
    /// so a `)` or a keyword inside one is never taken for syntax.
    static func topLevelTokens(_ sql: String) -> [Token] {
        var tokens: [Token] = []
        var i = sql.startIndex
        var depth = 0
        var groupStart = sql.startIndex
        func add(_ kind: Token.Kind, _ range: Range<String.Index>) { tokens.append(Token(kind: kind, range: range, text: sql[range])) }
        while i < sql.endIndex {
            let c = sql[i]
            let next = sql.index(after: i)
            // Quotes and comments: skip to their end, at any depth.
            if c == "'" || c == "\"" || c == "`" || c == "[" {
                let close: Character = c == "[" ? "]" : c
                var j = next
                while j < sql.endIndex && sql[j] != close { j = sql.index(after: j) }
                let end = j < sql.endIndex ? sql.index(after: j) : j
                if depth == 0 { add(.other, i..<end) }
                i = end
                continue
            }
            if c == "-", next < sql.endIndex, sql[next] == "-" {
                i = sql[next...].firstIndex(of: "\n") ?? sql.endIndex
                continue
            }
            if c == "/", next < sql.endIndex, sql[next] == "*" {
                let body = sql.index(after: next)   // "/*/" does not close: the "*/" must follow the "/*"
                i = sql[body...].range(of: "*/")?.upperBound ?? sql.endIndex
                continue
            }
            if c == "(" {
                if depth == 0 { groupStart = i }
                depth += 1
                i = next
                continue
            }
            if c == ")" {
                depth -= 1
                if depth < 0 { return [] }   // unbalanced: not a shape we split
                if depth == 0 { add(.group, groupStart..<next) }
                i = next
                continue
            }
            if depth > 0 || c.isWhitespace { i = next; continue }
            if c.isLetter || c == "_" {
                var j = next
                while j < sql.endIndex, sql[j].isLetter || sql[j].isNumber || sql[j] == "_" || sql[j] == "$" { j = sql.index(after: j) }
                add(.word, i..<j)
                i = j
                continue
            }
            add(c == ";" ? .semicolon : .other, i..<next)
            i = next
        }
        return depth == 0 ? tokens : []
    }
}
