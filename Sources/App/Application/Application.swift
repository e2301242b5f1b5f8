import Database
import Foundation
import HTTP
import Messaging
import Security
import Support
import Templates

/// The wired application: config → database → gateways → Verify engine → router.
/// It is the HTTP responder: one `respond` call per request, on a worker thread or, for
/// the quick pages, on the event loop.
public final class Application: HTTPResponder, @unchecked Sendable {
    public let config: AppConfig
    public let database: Database
    let templates: TemplateLibrary
    let assets: StaticAssets
    /// The Verify engine behind the PIN step and the JSON API, and its event scheduler
    /// (started by `twofa serve`; tests call `scheduler.tick()` after moving their clock).
    public let verify: VerifyEngine
    public let scheduler: EventScheduler
    /// Texts that are not PINs (the "your number was changed" notice); PINs go through `verify`.
    let sms: SMSGateway
    let apiRateLimiter: APIRateLimiter
    /// bcrypt on its own bounded pool, so logins can't starve page views.
    public let passwords: PasswordHasher
    /// Sessions read recently, so most page views cost no database read.
    let sessions: SessionCache
    /// Brute-force bans per account and IP (LOGIN_* settings), kept in the database.
    public let regulation: LoginRegulation
    /// Common-password list and username/number rules, loaded once at start.
    public let passwordPolicy: PasswordPolicy
    /// The client behind a trusted reverse proxy (TRUSTED_PROXIES), settled in `prepare`.
    public let clientAddresses: ClientAddressResolver
    /// Counters for GET /metrics; other parts call e.g. `metrics.pinSent(channel:)`.
    public let metrics = Metrics()
    let flashKey: [UInt8]
    /// Per-purpose keys from SECRET_KEY_BASE ("totp", "recovery", "remember", …).
    let keys: KeyGenerator
    public let router: Router
    /// Seconds since the epoch; tests substitute their own to expire PINs and sessions.
    let clock: @Sendable () -> Int64

    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Opens the database, applies pending migrations, parses every template and reads
    /// the assets. Any failure here stops start-up with a message naming the cause.
    public init(config: AppConfig, clock: @escaping @Sendable () -> Int64 = Application.systemClock,
                gateway: SMSGateway? = nil, voiceGateway: VoiceGateway? = nil, passwords: PasswordHasher? = nil) throws {
        self.config = config
        self.clock = clock
        clientAddresses = ClientAddressResolver(trusted: config.trustedProxies)
        // A reader for every worker and every event loop (loops read for the quick pages),
        // so nobody waits for a connection.
        let readers = config.workerThreads + HTTPServer.Configuration().loopThreads
        let database = try DatabaseFactory.open(config, connections: readers)
        let applied = try Migrator(directory: config.migrationsDirectory).migrate(database)
        for migration in applied { Log.info("applied migration \(migration.file)") }
        self.database = database
        sessions = SessionCache(database: database)
        templates = try TemplateLibrary(directory: config.viewsDirectory)
        assets = try StaticAssets(directory: config.publicDirectory)
        let keys = KeyGenerator(secretKeyBase: config.secretKeyBase)
        flashKey = keys.key(for: "flash")
        self.keys = keys
        let sms = try gateway ?? Self.makeGateway(config)
        self.sms = sms
        let throttle = SendThrottle(maxPerNumber: config.verifyMaxSendsPerNumber, maxPerIP: config.verifyMaxSendsPerIP,
                                    window: config.verifySendWindow)
        if config.verifyEngine == .vonage {
            // Vonage's hosted Verify makes, sends and schedules the PINs: no scheduler here.
            verify = try Self.makeVonageVerifyEngine(config, database: database, throttle: throttle,
                                                     observer: PinActivity(database: database, metrics: metrics))
            scheduler = EventScheduler(engine: nil, clock: clock)
        } else {
            let engine = BuiltinVerifyEngine(
                database: database, sms: sms,
                voice: try voiceGateway ?? Self.makeVoiceGateway(config), pinKey: keys.key(for: "pin"),
                maxWrongChecks: config.pinMaxAttempts, throttle: throttle,
                observer: PinActivity(database: database, metrics: metrics))
            verify = engine
            scheduler = EventScheduler(engine: engine, clock: clock)
        }
        apiRateLimiter = APIRateLimiter(limit: config.verifyAPIRateLimit)
        self.passwords = passwords ?? PasswordHasher(threads: config.bcryptThreads, queueLimit: config.bcryptQueue,
                                                     cost: config.bcryptCost, niceness: Int32(config.bcryptNice))
        regulation = LoginRegulation(maxFailures: config.loginMaxFailures, window: config.loginFailureWindow,
                                     banDuration: config.loginBanDuration)
        passwordPolicy = try PasswordPolicy(file: config.root + "/config/common-passwords.txt")
        router = Routes.draw()
    }

    // makeGateway / makeVoiceGateway: Gateways.swift.

    /// Once per request, before anything reads it (quick or not): the client's address and
    /// scheme behind a trusted proxy, so bans, throttles, audit, sessions and metrics all see
    /// the client; and the request id, a trusted proxy's if it sent a sane one.
    public func prepare(_ request: inout HTTPRequest) {
        let viaTrustedProxy = clientAddresses.apply(to: &request)
        request.requestID = RequestID.choose(incoming: viaTrustedProxy ? request.headers[RequestID.header] : nil)
    }

    /// Dispatches, then adds what every response carries — the security headers, whether
    /// page, asset, API answer, redirect or error — and counts it for /metrics by route
    /// (`controller#action`, never the raw path, so the label set stays small).
    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        var label = "unrouted"
        var response: HTTPResponse
        do {
            response = try dispatch(request, label: &label)
        } catch let error as BlockingGuard.WouldBlock {
            throw error   // tried on the event loop; it runs again on a worker
        } catch {
            if BlockingGuard.hasTripped { throw BlockingGuard.WouldBlock() }
            if case DatabaseError.unavailable(let message) = error {
                Log.warning("\(request.method) \(request.path): 503, \(message)")
                response = Self.databaseUnavailableResponse
            } else {
                Log.error("\(request.method) \(request.path) failed: \(error)")
                response = .text("Something went wrong. Nothing was lost; please try again.\n", status: 500)
            }
        }
        // Something swallowed the guard's error: the answer is void all the same (and must
        // not be counted twice).
        if BlockingGuard.hasTripped { throw BlockingGuard.WouldBlock() }
        SecurityHeaders.apply(to: &response, secure: request.isSecure || config.secureCookies)
        metrics.observeRequest(route: label, status: response.status,
                               seconds: Double(DispatchTime.now().uptimeNanoseconds &- started) / 1e9)
        return response
    }

    /// Assets, quick routes and the not-found page are tried on the event loop; one that
    /// turns out to need a write (an expired session, the once-a-minute last-seen time, a
    /// login past its checks) is handed to a worker by `BlockingGuard`.
    public func answersOnEventLoop(_ request: HTTPRequest) -> Bool {
        let isGet = request.method == "GET" || request.method == "HEAD"
        if isGet && request.path.hasPrefix("/assets/") { return true }
        switch router.match(method: request.method, path: request.path) {
        case .found(let route): return route.quick
        case .notFound: return isGet
        case .methodNotAllowed: return false
        }
    }

    private func dispatch(_ request: HTTPRequest, label: inout String) throws -> HTTPResponse {
        if request.path.hasPrefix("/assets/"), let asset = assets.respond(to: request) {
            label = "assets"
            return asset
        }
        let match = router.match(method: request.method, path: request.path)
        // API controllers authenticate by key: no cookies, no CSRF, JSON bodies allowed.
        if case .found(let route) = match, !route.usesBrowserSession {
            label = route.label
            return try respondWithoutBrowserSession(route, to: request)
        }

        guard let query = FormURLEncoded.parse(request.query) else {
            return .text("Bad request: the query string is not valid URL encoding\n", status: 400)
        }
        var method = request.method
        var form: [(String, String)] = []
        if method == "POST" {
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            if !request.body.isEmpty && !type.hasPrefix("application/x-www-form-urlencoded") {
                return .text("Unsupported media type: forms are sent as application/x-www-form-urlencoded\n", status: 415)
            }
            guard let pairs = FormURLEncoded.parse(request.body) else {
                return .text("Bad request: the form body is not valid URL encoding\n", status: 400)
            }
            form = pairs
            // Browsers can only POST; `_method` carries the verb the form means (Rails convention).
            if let override = pairs.first(where: { $0.0 == "_method" })?.1.uppercased(),
               ["PATCH", "PUT", "DELETE"].contains(override) {
                method = override
            }
        }

        // Matched again only when `_method` changed the verb.
        let routed = method == request.method ? match : router.match(method: method, path: request.path)
        if case .found(let route) = routed, route.hashesPassword {
            do {
                try passwords.checkRoom()
            } catch is PasswordHasher.Busy {
                label = route.label
                return Self.busyResponse
            }
        }
        let context = RequestContext(request: request, method: method, params: Parameters(form: form, query: query), app: self)
        var response: HTTPResponse
        switch routed {
        case .notFound:
            label = "not_found"
            response = try context.render("errors/show", title: "Not found", status: 404,
                                          ["heading": "Page not found", "detail": "There is nothing at this address."])
        case .methodNotAllowed(let allowed):
            label = "method_not_allowed"
            response = try context.render("errors/show", title: "Method not allowed", status: 405,
                                          ["heading": "Method not allowed", "detail": "This page does not accept \(method) requests."])
            response.headers.set("Allow", allowed.joined(separator: ", "))
        case .found(let route):
            label = route.label
            // A POST tried on the event loop may turn out to mean another action (`_method`):
            // unless that one is quick too, it belongs on a worker.
            if !route.quick { try BlockingGuard.check() }
            try context.loadSession()
            if method != "GET" && method != "HEAD" && !context.hasValidCSRFToken() {
                Log.warning("CSRF token missing or invalid for \(method) \(request.path)")
                response = try context.render("errors/show", title: "Forbidden", status: 403, [
                    "heading": "This form has expired",
                    "detail": "For your security the form could not be accepted. Go back, reload the page and try again.",
                ])
            } else {
                do {
                    response = try route.call(context)
                } catch let error as BlockingGuard.WouldBlock {
                    throw error
                } catch is PasswordHasher.Busy {
                    // Refused at once rather than queued without bound: the client retries shortly.
                    response = Self.busyResponse
                } catch {
                    Log.error("\(route.controller)#\(route.action) failed: \(error)")
                    response = try context.render("errors/show", title: "Something went wrong", status: 500, [
                        "heading": "Something went wrong",
                        "detail": "We could not finish that request. Nothing was lost; please try again.",
                    ])
                }
            }
        }
        context.finish(&response)
        return response
    }

    /// The answer when the bcrypt pool is full: a fixed page, no template, so that a storm
    /// of refusals costs next to nothing. The connection is closed after it: a client that
    /// retries at once then pays for a new connection instead of spinning on this one (in
    /// the benchmark's storm that cuts the refusals from ~11k/s to ~3k/s, and page views
    /// gain the CPU they took).
    static let busyResponse = unavailablePage(
        title: "Busy", heading: "We are very busy right now",
        text: "Too many people are logging in at once. Please wait a second and try again.",
        retryAfter: 1, closing: true)

    /// The answer while the database cannot be reached (restarting, network cut, every
    /// connection busy): nothing was done, and the next request may well succeed.
    static let databaseUnavailableResponse = unavailablePage(
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

    /// An HTTP server configured from the app's settings, answering with this app.
    public func makeServer() -> HTTPServer {
        var configuration = HTTPServer.Configuration()
        configuration.host = config.host
        configuration.port = config.port
        configuration.workerThreads = config.workerThreads
        configuration.maxConnections = config.maxConnections
        configuration.headerTimeout = Double(config.headerTimeout)
        let server = HTTPServer(configuration: configuration, responder: self)
        metrics.openConnections = { [weak server] in server?.openConnections ?? 0 }
        return server
    }
}
