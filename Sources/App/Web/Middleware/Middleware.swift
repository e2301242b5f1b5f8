import HTTP

/// One step of the web pipeline: answers the exchange itself, or passes it to the step it
/// was built around (`next`) and may change the answer on its way back. The stacks are
/// built once, when the application starts (`WebStack`); a request only walks them, so no
/// step costs an allocation per request.
protocol Middleware: Sendable {
    func respond(to exchange: inout Exchange) throws -> HTTPResponse
}
