/// What reverse proxies write about the client: `X-Forwarded-For` / `X-Forwarded-Proto`
/// and RFC 7239 `Forwarded`. Parsing only, leftmost (farthest) hop first; whom to believe
/// is the app's business. Anything malformed comes back as a nil address, never a guess.
public enum ForwardedHeaders {
    /// One `Forwarded` element, e.g. `for="[2001:db8::1]:4711";proto=https`.
    public struct Element: Equatable, Sendable {
        /// The `for=` node; nil when it is missing, `unknown`, obfuscated (`_hidden`) or malformed.
        public var client: IPAddress?
        /// Whether the element had a `for=` parameter at all.
        public var hasFor: Bool
        /// `proto=`, lower-cased; nil when absent.
        public var proto: String?
    }

    /// Every `X-Forwarded-For` entry over all such header lines, in order; nil entries are
    /// ones that are not an address (`unknown`, garbage).
    public static func forwardedFor(_ headers: HTTPHeaders) -> [IPAddress?] {
        list(headers, "X-Forwarded-For").map { node($0) }
    }

    /// Every `X-Forwarded-Proto` entry, lower-cased, in order.
    public static func forwardedProto(_ headers: HTTPHeaders) -> [String] {
        list(headers, "X-Forwarded-Proto").map { $0.lowercased() }
    }

    /// Every element of every `Forwarded` header, in order.
    public static func forwarded(_ headers: HTTPHeaders) -> [Element] {
        var elements: [Element] = []
        for value in headers.values("Forwarded") {
            for element in split(value, on: ",") {
                var parsed = Element(client: nil, hasFor: false, proto: nil)
                for pair in split(element, on: ";") {
                    guard let equals = pair.firstIndex(of: "=") else { continue }
                    let name = pair[..<equals].lowercased()
                    let raw = pair[pair.index(after: equals)...]
                    if name == "for" {
                        parsed.hasFor = true
                        parsed.client = unquoted(raw).flatMap { node($0) }
                    } else if name == "proto" {
                        parsed.proto = unquoted(raw)?.lowercased()
                    }
                }
                elements.append(parsed)
            }
        }
        return elements
    }

    /// A node as proxies write it: `192.0.2.60`, `192.0.2.60:8080`, `2001:db8::1`,
    /// `[2001:db8::1]` or `[2001:db8::1]:4711`. Nil for `unknown`, `_obfuscated` and garbage.
    public static func node(_ text: some StringProtocol) -> IPAddress? {
        let text = Substring(text)
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && isPort(rest.dropFirst())) else { return nil }
            let inner = text[text.index(after: text.startIndex)..<close]
            guard let address = IPAddress(inner), inner.contains(":") else { return nil }
            return address
        }
        let colons = text.utf8.lazy.filter { $0 == UInt8(ascii: ":") }.count
        if colons == 1 {   // IPv4 with a port; a bare IPv6 address has at least two colons
            let colon = text.firstIndex(of: ":")!
            guard isPort(text[text.index(after: colon)...]) else { return nil }
            let host = text[..<colon]
            return host.contains(".") ? IPAddress(host) : nil
        }
        return IPAddress(text)
    }

    /// A port, or RFC 7239's obfuscated port (`_abc`).
    private static func isPort(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= 64 else { return false }
        if text.first == "_" { return true }
        return text.count <= 5 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// A comma-separated header's entries over all its lines, trimmed, empty ones dropped.
    private static func list(_ headers: HTTPHeaders, _ name: String) -> [Substring] {
        headers.values(name).flatMap { value in
            value.split(separator: ",").map { trim($0) }.filter { !$0.isEmpty }
        }
    }

    /// `value` cut at `separator` outside quoted strings, each part trimmed.
    private static func split(_ value: some StringProtocol, on separator: Character) -> [Substring] {
        let value = Substring(value)
        var parts: [Substring] = []
        var start = value.startIndex, index = value.startIndex
        var quoted = false, escaped = false
        while index < value.endIndex {
            let c = value[index]
            if escaped { escaped = false } else if quoted && c == "\\" { escaped = true } else if c == "\"" {
                quoted.toggle()
            } else if !quoted && c == separator {
                parts.append(trim(value[start..<index]))
                start = value.index(after: index)
            }
            index = value.index(after: index)
        }
        parts.append(trim(value[start...]))
        return parts.filter { !$0.isEmpty }
    }

    /// A token or a quoted string's content (`\x` escapes resolved); nil for a broken quote.
    private static func unquoted(_ raw: Substring) -> String? {
        guard raw.first == "\"" else { return raw.isEmpty ? nil : String(raw) }
        guard raw.count >= 2, raw.last == "\"" else { return nil }
        var out = "", escaped = false
        for c in raw.dropFirst().dropLast() {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return escaped ? nil : out
    }

    private static func trim(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
