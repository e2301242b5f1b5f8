import HTTP

/// A before-action: looks at the request and either lets it through (nil) or answers
/// early, usually with a redirect.
public struct Filter: Sendable {
    public let name: String
    let run: @Sendable (RequestContext) throws -> HTTPResponse?

    public init(_ name: String, _ run: @escaping @Sendable (RequestContext) throws -> HTTPResponse?) {
        self.name = name; self.run = run
    }
}
