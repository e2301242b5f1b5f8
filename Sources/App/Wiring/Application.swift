import Database
import Foundation
import HTTP
import Messaging
import Security
import Support
import Templates
import Verify

/// The wired application: config → database (`DatabaseFactory`) → gateways (`GatewayFactory`)
/// → Verify engine (`VerifyEngineFactory`) → router → middleware stack (`WebStack`).
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
    /// Removes what we no longer keep (RetentionPolicy), in small batches (started by
    /// `twofa serve`; tests call `pruner.run()`).
    public let pruner: Pruner
    /// Sends the Verify API's callbacks from their queue in the database (started by `twofa
    /// serve`; tests call `webhooks.run()`).
    public let webhooks: WebhookDeliverer
    /// Texts that are not PINs (the "your number was changed" notice); PINs go through `verify`.
    let sms: SMSGateway
    /// E-mail (SMTP_URL; the outbox outside production without it); nil: e-mail is off.
    let email: EmailGateway?
    let apiRateLimiter: APIRateLimiter
    /// API clients read recently, trusted while no `twofa api-keys revoke` or `custom-codes` has stamped the database.
    let apiClients: ApiClientCache
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
    /// Work requests leave to run after their answers (`twofa serve` lets it finish at shutdown).
    public let afterResponse = AfterResponse()
    /// Counters for GET /metrics; other parts call e.g. `metrics.pinSent(channel:)`.
    public let metrics = Metrics()
    let flashKey: [UInt8]
    /// Per-purpose keys from SECRET_KEY_BASE ("totp", "recovery", "remember", …).
    let keys: KeyGenerator
    public let router: Router
    /// The middleware stack every request walks (built once, in `init`).
    private var pipeline: any Middleware = RunAction()
    /// Seconds since the epoch; tests substitute their own to expire PINs and sessions.
    let clock: @Sendable () -> Int64

    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Opens the database, applies pending migrations, parses every template and reads
    /// the assets. Any failure here stops start-up with a message naming the cause.
    public init(config: AppConfig, clock: @escaping @Sendable () -> Int64 = Application.systemClock,
                gateway: SMSGateway? = nil, voiceGateway: VoiceGateway? = nil, passwords: PasswordHasher? = nil,
                emailGateway: EmailGateway? = nil) throws {
        self.config = config
        self.clock = clock
        metrics.clock = clock
        clientAddresses = ClientAddressResolver(trusted: config.trustedProxies)
        // A reader for every worker and every event loop (loops read for the quick pages),
        // so nobody waits for a connection.
        let readers = config.workerThreads + HTTPServer.Configuration().loopThreads
        let database = try DatabaseFactory.open(config, connections: readers)
        let applied = try Migrator(directory: config.migrationsDirectory).migrate(database)
        for migration in applied { Log.info("applied migration \(migration.file)") }
        if config.environment == .production && config.smsCountries.allowed == nil {
            Log.warning("SMS_COUNTRIES is unset: codes may be texted and called to every country; "
                        + "set it to the countries your users live in (e.g. SMS_COUNTRIES=GB,US) against SMS pumping")
        }
        self.database = database
        sessions = SessionCache(database: database)
        templates = try TemplateLibrary(directory: config.viewsDirectory)
        assets = try StaticAssets(directory: config.publicDirectory)
        let keys = KeyGenerator(secretKeyBase: config.secretKeyBase)
        flashKey = keys.key(for: "flash")
        self.keys = keys
        let sms = try gateway ?? GatewayFactory.sms(config)
        self.sms = sms
        let email = try emailGateway ?? GatewayFactory.email(config)
        self.email = email
        (verify, scheduler) = try VerifyEngineFactory.make(config, database: database, sms: sms, voice: voiceGateway, email: email,
                                                           pinKey: keys.key(for: "pin"), metrics: metrics, clock: clock)
        pruner = Pruner(database: database, policy: RetentionPolicy(config: config), batchSize: config.pruneBatchSize,
                        interval: TimeInterval(config.pruneInterval), clock: clock, metrics: metrics)
        webhooks = WebhookDeliverer(database: database, keys: keys, giveUp: config.webhookGiveUp, clock: clock, metrics: metrics)
        apiRateLimiter = APIRateLimiter(limit: config.verifyAPIRateLimit)
        apiClients = ApiClientCache(database: database, stamp: ApiKeyStamp.forServer(config))
        self.passwords = passwords ?? PasswordHasher(threads: config.bcryptThreads, queueLimit: config.bcryptQueue,
                                                     cost: config.bcryptCost, niceness: Int32(config.bcryptNice))
        regulation = LoginRegulation(maxFailures: config.loginMaxFailures, window: config.loginFailureWindow,
                                     banDuration: config.loginBanDuration)
        passwordPolicy = try PasswordPolicy(file: config.root + "/config/common-passwords.txt")
        router = Routes.draw()
        pipeline = WebStack.build(self)
    }

    /// Once per request, before anything reads it (quick or not): the client's address and
    /// scheme behind a trusted proxy, so bans, throttles, audit, sessions and metrics all see
    /// the client; and the request id, a trusted proxy's if it sent a sane one.
    public func prepare(_ request: inout HTTPRequest) {
        let viaTrustedProxy = clientAddresses.apply(to: &request)
        request.requestID = RequestID.choose(incoming: viaTrustedProxy ? request.headers[RequestID.header] : nil)
    }

    /// Walks the request down the middleware stack (`WebStack`): metrics, security headers,
    /// errors, assets, routing, then the browser or the API stack.
    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        var exchange = Exchange(request)
        return try pipeline.respond(to: &exchange)
    }

    /// Assets, quick pages and the not-found page are tried on the event loop, and so is a
    /// login while the bcrypt pool is full (its 503 needs no worker); one that turns out to need
    /// a write (an expired session, the once-a-minute last-seen time, a pool freed meanwhile)
    /// is handed to a worker by `BlockingGuard`.
    public func answersOnEventLoop(_ request: HTTPRequest) -> Bool {
        let isGet = request.method == "GET" || request.method == "HEAD"
        if isGet && request.path.hasPrefix("/assets/") { return true }
        switch router.match(method: request.method, path: request.path) {
        case .found(let route): return route.quick || (route.hashesPassword && !passwords.hasRoom)
        case .notFound: return isGet
        case .methodNotAllowed: return false
        }
    }

    /// An HTTP server configured from the app's settings, answering with this app.
    public func makeServer() -> HTTPServer {
        var configuration = HTTPServer.Configuration()
        configuration.host = config.host
        configuration.port = config.port
        configuration.workerThreads = config.workerThreads
        configuration.maxConnections = config.maxConnections
        configuration.maxConnectionsPerAddress = config.maxConnectionsPerIP
        configuration.headerTimeout = Double(config.headerTimeout)
        let server = HTTPServer(configuration: configuration, responder: self)
        metrics.openConnections = { [weak server] in server?.openConnections ?? 0 }
        metrics.refusedConnections = { [weak server] in
            guard let refused = server?.refusedConnections else { return [] }
            return [("connections_per_ip", refused.perAddress), ("connections_server_full", refused.serverFull)]
        }
        return server
    }
}
