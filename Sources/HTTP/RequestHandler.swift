import Support

/// The application half of a request, on a worker (or on the loop for quick requests):
/// call the responder, turn errors into a 500, write the access-log line and serialize
/// the response for the loop to send.
enum RequestHandler {
    struct Output {
        var head: [UInt8]
        var body: [UInt8]
        var keepAlive: Bool
    }

    static let errorPage = HTTPResponse.html(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head>"
            + "<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>\n",
        status: 500)

    static func handle(_ request: HTTPRequest, keepAlive: Bool, receivedAt: Double, context: ServerContext) -> Output {
        var response: HTTPResponse
        do {
            response = try context.responder.respond(to: request)
            if response.status < 200 || response.status > 599 {
                // 1xx or nonsense would break the framing of the connection.
                Log.error("responder returned status \(response.status) for \(request.method) \(request.path)")
                response = errorPage
            }
        } catch is BlockingGuard.WouldBlock {
            response = errorPage   // discarded: the request runs again on a worker
        } catch {
            Log.error("responder failed for \(request.method) \(request.path): \(error)")
            response = errorPage
        }
        if BlockingGuard.hasTripped { return Output(head: [], body: [], keepAlive: false) }   // discarded too
        if !request.requestID.isEmpty { response.headers.set("X-Request-Id", request.requestID) }
        let keep = keepAlive && !context.isDraining && !response.headers.hasToken("close", in: "Connection")
        let (head, body) = ResponseSerializer.serialize(
            response, keepAlive: keep, requestVersion: request.version, isHead: request.method == "HEAD")
        AccessLog.record(
            method: request.method, path: request.path, status: response.status,
            milliseconds: (MonotonicClock.now() - receivedAt) * 1000,
            requestID: request.requestID.isEmpty ? nil : request.requestID, client: request.remoteAddress)
        return Output(head: head, body: body, keepAlive: keep)
    }
}
