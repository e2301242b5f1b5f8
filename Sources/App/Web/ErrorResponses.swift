import Database
import HTTP
import Support

/// The one place where an error becomes an answer, in the three shapes the pipeline needs:
/// a page (a failed page action), Vonage JSON (a failed API action), or a fixed text or page
/// (anything else: `ErrorBoundary`). Each is logged here too.
enum ErrorResponses {
    /// A page action failed: the busy page when the bcrypt pool is full (refused at once rather
    /// than queued without bound: the client retries shortly), the 500 page otherwise.
    static func page(_ route: Route, context: RequestContext, failedWith error: Error) throws -> HTTPResponse {
        if error is PasswordHasher.Busy { return busy }
        Log.error("\(route.controller)#\(route.action) failed: \(error)")
        return try context.render("errors/show", title: "Something went wrong", status: 500, [
            "heading": "Something went wrong",
            "detail": "We could not finish that request. Nothing was lost; please try again.",
        ])
    }

    /// An API action failed: Vonage's status 5, HTTP 200.
    static func api(_ route: Route, failedWith error: Error) -> HTTPResponse {
        if route.controller == TwilioVerifyController.name {
            // The Twilio face answers its failures in Twilio's shape, with an HTTP status.
            Log.error("\(route.controller)#\(route.action) failed: \(error)")
            return TwilioError.internalError.response()
        }
        if case DatabaseError.unavailable(let message) = error {
            Log.warning("\(route.controller)#\(route.action): status 5, \(message)")
            return JSONValue.object([("status", .string("5")),
                                     ("error_text", .string("Internal Error: database unavailable, try again"))]).response()
        }
        Log.error("\(route.controller)#\(route.action) failed: \(error)")
        return JSONValue.object([("status", .string("5")), ("error_text", .string("Internal Error"))]).response()
    }

    /// Anything else: 503 while the database cannot be reached, a plain 500 otherwise.
    static func request(_ request: HTTPRequest, failedWith error: Error) -> HTTPResponse {
        if case DatabaseError.unavailable(let message) = error {
            Log.warning("\(request.method) \(request.path): 503, \(message)")
            return databaseUnavailable
        }
        Log.error("\(request.method) \(request.path) failed: \(error)")
        return .text("Something went wrong. Nothing was lost; please try again.\n", status: 500)
    }

    /// The answer when the bcrypt pool is full: a fixed page, no template, so that a storm
    /// of refusals costs next to nothing. The connection is closed after it: a client that
    /// retries at once then pays for a new connection instead of spinning on this one (in
    /// the benchmark's storm that cuts the refusals from ~11k/s to ~3k/s, and page views
    /// gain the CPU they took).
    static let busy = unavailablePage(
        title: "Busy", heading: "We are very busy right now",
        text: "Too many people are logging in at once. Please wait a second and try again.",
        retryAfter: 1, closing: true)

    /// The answer while the database cannot be reached (restarting, network cut, every
    /// connection busy): nothing was done, and the next request may well succeed.
    static let databaseUnavailable = unavailablePage(
        title: "Unavailable", heading: "Service briefly unavailable",
        text: "We cannot reach our database right now. Nothing was changed; please try again in a few seconds.",
        retryAfter: 5, closing: false)

    /// A fixed 503 page (no template, no escaping needed: the texts are ours), never cached.
    private static func unavailablePage(title: String, heading: String, text: String,
                                        retryAfter: Int, closing: Bool) -> HTTPResponse {
        var response = HTTPResponse.html(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(title)</title></head>\n"
                + "<body><h1>\(heading)</h1>\n<p>\(text)</p></body></html>\n",
            status: 503)
        response.headers.set("Retry-After", String(retryAfter))
        response.headers.set("Cache-Control", "no-store")
        if closing { response.headers.set("Connection", "close") }
        return response
    }
}
