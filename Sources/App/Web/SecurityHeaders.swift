import HTTP

/// Headers on every response: no inline script, no framing, no sniffing, no leaking
/// our URLs to other sites; HSTS only when we really were reached over HTTPS.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func apply(to response: inout HTTPResponse, secure: Bool) {
        // One pass drops whatever a controller set under these names; then ours go on the end.
        // A name of no length of ours is passed over without comparing it with the five.
        response.headers.remove(where: { name in
            let length = name.utf8.count
            return length < 64 && lengths & 1 << length != 0 && names.contains { HTTPHeaders.sameName($0, name) }
        })
        response.headers.add("Content-Security-Policy", contentSecurityPolicy)
        response.headers.add("X-Content-Type-Options", "nosniff")
        response.headers.add("X-Frame-Options", "DENY")
        response.headers.add("Referrer-Policy", "same-origin")
        if secure { response.headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains") }
    }

    private static let names = ["Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                                "Referrer-Policy", "Strict-Transport-Security"]
    /// Bit n set when one of `names` is n bytes long (all are under 64).
    private static let lengths: UInt64 = names.reduce(0) { $0 | 1 << UInt64($1.utf8.count) }
}
