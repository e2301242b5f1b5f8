import Foundation
import HTTP
import Security
import Support
import Templates

/// Everything one request carries through filters and actions: the request, its
/// parameters, the logged-in session and user, and the cookies to send back.
/// One per request, never shared between threads.
public final class RequestContext {
    public let request: HTTPRequest
    /// The verb after the `_method` override.
    public let method: String
    public let params: Parameters
    public let now: Int64
    let app: Application

    /// Reached over HTTPS: directly, or through the TLS proxy that SECURE_COOKIES declares.
    public var isSecure: Bool { request.isSecure || app.config.secureCookies }

    public private(set) var session: Session?
    public private(set) var user: User?
    /// When the account's held password reset takes effect (read with the session), if one is held.
    private(set) var heldResetUntil: Int64?

    private var incomingFlash: Flash?
    private var outgoingFlash: Flash?
    private var anonymousCSRFSecret: [UInt8]?
    private var cookies: [Cookie] = []

    static let sessionCookie = "twofa_session"
    static let anonymousCSRFCookie = "twofa_csrf"
    /// Over HTTPS every cookie of ours is named with this prefix. Browsers take a `__Host-`
    /// cookie only with Secure, Path=/ and no Domain, so a sibling subdomain (or a plain-HTTP
    /// page) can't plant one: no session fixation, no CSRF secret of an attacker's choosing.
    static let securePrefix = "__Host-"

    init(request: HTTPRequest, method: String, params: Parameters, app: Application) {
        self.request = request
        self.method = method
        self.params = params
        self.app = app
        self.now = app.clock()
        incomingFlash = cookie(Flash.cookieName).flatMap { Flash(cookieValue: $0, key: app.flashKey) }
        anonymousCSRFSecret = cookie(Self.anonymousCSRFCookie).flatMap(Base64URL.decode).flatMap { $0.count == 32 ? $0 : nil }
    }

    // MARK: Cookie names

    /// The name cookie `name` goes by on this request: `__Host-name` when secure, else `name`.
    /// The one place cookie names are decided: `setCookie` and `cookie` go through it.
    func cookieName(_ name: String) -> String { isSecure ? Self.securePrefix + name : name }

    /// The request's cookie `name`, read under this request's form of the name only: when
    /// secure, a plain `name` cookie is ignored, since anyone on a sibling domain could have set it.
    func cookie(_ name: String) -> String? { request.cookie(cookieName(name)) }

    // MARK: Session

    /// Finds the session named by the cookie; an expired one is deleted and its cookie cleared.
    func loadSession() throws {
        guard let token = cookie(Self.sessionCookie), !token.isEmpty else { return }
        let config = app.config
        guard let found = try app.sessions.lookUp(token: token) else {
            clearCookie(Self.sessionCookie)
            return
        }
        let session = found.session
        if session.isExpired(now: now, idleTimeout: config.sessionIdleTimeout, lifetime: config.sessionLifetime) {
            try app.database.write { try Session.destroy(id: session.id, in: $0) }
            clearCookie(Self.sessionCookie)
            return
        }
        // Last-seen is written at most once a minute: page views stay read-only.
        if now - session.lastSeenAt >= 60 {
            try app.database.write { try session.touch(now: now, in: $0) }
        }
        self.session = session
        self.user = found.user
        heldResetUntil = found.heldResetUntil
    }

    /// Logs `user` in with a brand-new session (the password step). Any session the
    /// browser had is ended first, so no token survives across a login. `firstFactor` says what
    /// got the user this far (a passwordless code: `.phone`).
    func startSession(for user: User, firstFactor: Session.FirstFactor = .password) throws -> Session {
        let ip = request.remoteAddress, agent = request.headers["User-Agent"] ?? ""
        let (session, token) = try app.database.write { db -> (Session, String) in
            if let old = self.session { try Session.destroy(id: old.id, in: db) }
            return try Session.create(userID: user.id, ip: ip, userAgent: agent, firstFactor: firstFactor, now: now, in: db)
        }
        adoptSession(session, token: token, user: user)
        return session
    }

    /// Switches to a session whose token was just minted (login, PIN verified).
    func adoptSession(_ session: Session, token: String, user: User? = nil) {
        self.session = session
        if let user { self.user = user }
        setCookie(Cookie(name: Self.sessionCookie, value: token))
    }

    func endSession() throws {
        if let session { try app.database.write { try Session.destroy(id: session.id, in: $0) } }
        session = nil
        user = nil
        clearCookie(Self.sessionCookie)
    }

    // MARK: CSRF

    /// The token for forms on this page: tied to the session, or before login to a
    /// random secret in its own cookie (Rails keeps it in the cookie session the same way).
    public func csrfToken() -> String {
        CSRFToken.generate(sessionSecret: csrfSecret(creating: true) ?? [])
    }

    func hasValidCSRFToken() -> Bool {
        let token = params.has("authenticity_token") ? params["authenticity_token"] : (request.headers["X-CSRF-Token"] ?? "")
        guard !token.isEmpty, let secret = csrfSecret(creating: false) else { return false }
        return CSRFToken.isValid(token, sessionSecret: secret)
    }

    /// What ties a WebAuthn challenge to this browser (issue 17): the digest of its CSRF secret
    /// (the session's, or a guest's cookie, made now if it has none).
    func webAuthnBinding() -> String? {
        csrfSecret(creating: true).map(WebAuthnChallenge.binding(csrfSecret:))
    }

    private func csrfSecret(creating: Bool) -> [UInt8]? {
        if let session { return session.csrfSecret }
        if let anonymousCSRFSecret { return anonymousCSRFSecret }
        guard creating else { return nil }
        let secret = SecureRandom.bytes(32)
        anonymousCSRFSecret = secret
        setCookie(Cookie(name: Self.anonymousCSRFCookie, value: Base64URL.encode(secret)))
        return secret
    }

    // MARK: Flash and cookies

    public func flash(_ kind: Flash.Kind, _ message: String, link: Flash.Link? = nil) {
        outgoingFlash = Flash(kind: kind, message: message, link: link)
    }

    /// Sets cookie `cookie.name` under this request's form of the name (see `cookieName`),
    /// with the attributes `__Host-` asks for: Secure (when secure), Path=/, no Domain.
    func setCookie(_ cookie: Cookie) {
        var cookie = cookie
        cookie.name = cookieName(cookie.name)
        cookie.secure = isSecure
        cookie.httpOnly = true
        cookie.sameSite = .lax
        cookie.path = "/"
        cookies.removeAll { $0.name == cookie.name }
        cookies.append(cookie)
    }

    func clearCookie(_ name: String) {
        var cookie = Cookie(name: name, value: "")
        cookie.maxAge = 0
        setCookie(cookie)
    }

    // MARK: Responses

    public func redirect(to location: String) -> HTTPResponse { .redirect(to: location, status: 303) }

    /// Renders `template` inside the application layout with the values every page needs.
    public func render(_ template: String, title: String, status: Int = 200,
                       _ locals: TemplateContext = [:]) throws -> HTTPResponse {
        var context = locals
        context.reserveCapacity(locals.count + 8)   // the values below: no regrowth while setting them
        context["title"] = .string(title)
        context["brand"] = .string(app.config.brandName)
        context["stylesheet"] = .string(app.assets.stylesheetPath)
        context["csrf_token"] = .string(csrfToken())
        context["has_session"] = .bool(session != nil)
        let signedIn = Check.isSignedIn(self)
        context["logged_in"] = .bool(signedIn)
        if let user, signedIn {
            context["current_username"] = .string(user.username)
            // A held password reset is shown on every signed-in page, with a button to cancel it
            // (read with the session, so a page view costs no extra query).
            if let heldResetUntil { context["held_reset_until"] = .string(Formatting.time(heldResetUntil)) }
        }
        if let shown = outgoingFlash ?? incomingFlash {
            var flash: TemplateContext = ["kind": .string(shown.kind.rawValue), "message": .string(shown.message)]
            if let link = shown.link { flash["link_path"] = .string(link.path); flash["link_label"] = .string(link.label) }
            context["flash"] = .dict(flash)
            outgoingFlash = nil
            if incomingFlash != nil { clearCookie(Flash.cookieName) }
        }
        // Rendered straight into bytes: no String built only to be copied into the body.
        let body = try app.templates.renderBytes(template, context: context, layout: "layouts/application")
        return HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]), body: body)
    }

    /// Adds the cookies and the no-store header of a page (Application.respond adds the
    /// security headers every response carries).
    func finish(_ response: inout HTTPResponse) {
        if let outgoingFlash {
            setCookie(Cookie(name: Flash.cookieName, value: outgoingFlash.cookieValue(key: app.flashKey)))
        }
        for cookie in cookies { response.setCookie(cookie) }
        // Pages carry CSRF tokens and personal data: never cache them anywhere.
        response.headers.set("Cache-Control", "no-store")
    }
}
