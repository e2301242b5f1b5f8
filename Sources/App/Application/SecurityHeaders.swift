import HTTP

/// Headers on every response: no inline script, no framing, no sniffing, no leaking
/// our URLs to other sites; HSTS only when we really were reached over HTTPS.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func apply(to response: inout HTTPResponse, secure: Bool) {
        response.headers.set("Content-Security-Policy", contentSecurityPolicy)
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.set("X-Frame-Options", "DENY")
        response.headers.set("Referrer-Policy", "same-origin")
        if secure { response.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains") }
    }
}
