import HTTP

/// One line of the route table: verb + path → controller#action behind its filters.
public struct Route: Sendable {
    public let method: String
    public let path: String
    public let controller: String
    public let action: String
    public let filters: [Filter]
    /// False for API controllers: no session cookie, no CSRF check, JSON bodies accepted.
    public let usesBrowserSession: Bool
    /// A page that only reads (up to any blocking call): the event loop answers it
    /// itself instead of handing it to a worker (see `BlockingGuard`).
    public let quick: Bool
    let handler: @Sendable (RequestContext) throws -> HTTPResponse

    /// Runs the filters in order (the first that answers wins), then the action.
    func call(_ context: RequestContext) throws -> HTTPResponse {
        for filter in filters {
            if let early = try filter.run(context) { return early }
        }
        return try handler(context)
    }
}
