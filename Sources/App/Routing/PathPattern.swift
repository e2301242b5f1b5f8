/// A route path with `{name}` segments, e.g. `/v2/Services/{ServiceSid}/Verifications/{Sid}`:
/// each such segment matches one non-empty path segment without a slash.
public struct PathPattern: Sendable {
    public let text: String
    private let segments: [Segment]

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    /// Nil for a plain path (no `{…}` segment): those are looked up exactly.
    public init?(_ text: String) {
        guard text.contains("{") else { return nil }
        self.text = text
        segments = text.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    public func matches(_ path: String) -> Bool { parameters(in: path) != nil }

    /// The values of the `{name}` segments in `path`, or nil when it doesn't match.
    public func parameters(in path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return nil }
        var values: [String: String] = [:]
        for (part, segment) in zip(parts, segments) {
            switch segment {
            case .literal(let text): guard part == text else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                values[name] = String(part)
            }
        }
        return values
    }
}
