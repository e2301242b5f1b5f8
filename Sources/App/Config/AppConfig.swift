import Database
import Foundation
import HTTP
import Messaging
import Support
import Verify

/// Everything the app reads at start-up: `config/<APP_ENV>.json`, overridden by the
/// environment. Invalid values stop start-up with a `ConfigError` (exit code 1).
public struct AppConfig: Sendable {
    public enum Environment: String, Sendable { case development, test, production }

    public var environment: Environment
    /// Folder holding config/, Views/, Migrations/ and public/ (APP_ROOT; default: cwd).
    public var root: String
    public var host: String
    public var port: Int
    /// The SQLite file (DATABASE_URL when it is a path or `sqlite:` URL).
    public var databasePath: String
    /// DATABASE_URL when it names PostgreSQL (`postgres://…`, `postgresql://…`); nil for SQLite.
    public var postgresURL: String?
    /// PostgreSQL connections per instance (DATABASE_POOL; 0 in the file = 4 per core, at
    /// most one per worker and event loop, the most that can use one at once).
    public var databasePool = 0
    public var secretKeyBase: String
    /// How texts go out (SMS_GATEWAY; outside production the outbox by default).
    public var smsGateway = GatewayKind.outbox
    public var smsOutbox: String
    /// How voice calls go out (VOICE_GATEWAY: outbox, twilio or vonage; default: as SMS).
    public var voiceGateway = GatewayKind.outbox
    /// Twilio and Vonage credentials and endpoints, from the environment only.
    public var gateways: GatewayCredentials
    public var bcryptCost: Int
    public var brandName: String
    public var sessionIdleTimeout: Int
    public var sessionLifetime: Int
    public var pinExpiry: Int
    public var pinMaxAttempts: Int
    public var pinResendInterval: Int
    /// The Verify engine: `builtin` (here) or `vonage` (delegating to Vonage's hosted Verify API).
    public var verifyEngine: VerifyEngineKind
    /// The workflow of the web app's PIN step (Vonage ids 1–7; 5 = SMS then a voice call).
    public var webWorkflowID: Int
    /// Send throttles against SMS pumping: per number and per client IP, in a sliding window.
    public var verifyMaxSendsPerNumber: Int
    public var verifySendWindow: Int
    public var verifyMaxSendsPerIP: Int
    /// The countries we text or call (SMS_COUNTRIES: ISO 3166 codes, comma-separated; unset = all).
    public var smsCountries = DestinationCountries.all
    /// The site-wide brake: starts to numbers not yet verified per UTC clock hour, all
    /// instances together (VERIFY_MAX_SENDS_PER_HOUR; 0 = off, the default).
    public var verifyMaxSendsPerHour = 0
    /// Verify JSON API calls per minute per API key.
    public var verifyAPIRateLimit: Int
    public var workerThreads: Int
    /// Threads hashing passwords at once (BCRYPT_THREADS; 0 in the file = half the cores).
    public var bcryptThreads: Int
    /// Logins that may wait for a bcrypt thread; beyond this they get 503 (BCRYPT_QUEUE).
    public var bcryptQueue: Int
    /// Open connections beyond this get a 503 and are closed (MAX_CONNECTIONS).
    public var maxConnections: Int
    /// The same, per client address: the socket peer, so behind a proxy the proxy (MAX_CONNECTIONS_PER_IP).
    public var maxConnectionsPerIP = 256
    public var logLevel: Log.Level
    /// `text` or `json` lines (LOG_FORMAT), and the `instance` of JSON lines (INSTANCE_NAME,
    /// environment only; default hostname:pid).
    public var logFormat = LogLine.Format.text
    public var instanceName = ""
    /// Reverse proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto / X-Request-Id
    /// are believed (TRUSTED_PROXIES: addresses and CIDRs, comma-separated; default none).
    public var trustedProxies: [CIDR] = []
    /// Password-attempt regulation: this many failures within the window (seconds) ban the
    /// account or IP for the ban duration (LOGIN_MAX_FAILURES / _FAILURE_WINDOW / _BAN_DURATION).
    /// Whatever these say, 100 failures in a row lock an account (LoginRegulation).
    public var loginMaxFailures = 5
    /// Nice value of the bcrypt threads (BCRYPT_NICE, −20…19). Negative by default: the pool
    /// is bounded to fewer threads than cores, and a higher priority keeps those threads
    /// hashing during a login storm while page views use the other cores. Not applied when
    /// the pool has as many threads as there are cores (nothing would be left for pages).
    public var bcryptNice = -15
    /// Nice value of a thread while it leads a batch of SQLite writes (WRITER_NICE, −20…19;
    /// 0 leaves it alone). Every write waits for that thread, so it should not be preempted by
    /// the requests queued behind it. Needs root or CAP_SYS_NICE, like BCRYPT_NICE.
    public var writerNice = -20
    public var loginFailureWindow = 600
    public var loginBanDuration = 900
    /// Sign-up attempts (every POST /user) one client address may make within the window
    /// (SIGNUP_MAX_PER_IP / SIGNUP_WINDOW, seconds): the form can't test names or numbers in bulk.
    public var signupMaxPerIP = 10
    public var signupWindow = 3600
    /// When set, GET /metrics also answers non-loopback clients sending `Authorization: Bearer <token>`.
    public var metricsToken = ""
    /// Cookies get `Secure` and responses HSTS although this process speaks plain HTTP: for
    /// production behind a TLS-terminating proxy (SECURE_COOKIES; on by default in production).
    public var secureCookies = false
    /// Seconds from a request's first byte until its header block must be complete; slower
    /// clients (slowloris) get 408 and are closed (HEADER_TIMEOUT).
    public var headerTimeout = 10
    /// "Log in with a code instead" on the login page (PASSWORDLESS_LOGIN=on; default off).
    public var passwordlessLogin = false
    /// Passwordless login may create an account for a verified unknown number (PASSWORDLESS_SIGNUP=on).
    public var passwordlessSignup = false
    /// Passkeys (issue 17): where ceremonies may run, the RP ID, passkey-only login and what a
    /// sign counter that went backwards does. See `PasskeySettings`.
    public var passkeys = PasskeySettings()
    /// Seconds a password reset of a phone-only account, asked for from a browser the account
    /// does not know, waits before the new password works (PASSWORD_RESET_HOLD; 0 = at once).
    public var passwordResetHold = 86_400
    /// What we keep, and for how long (RetentionPolicy): ended Verify requests with their
    /// events and checks (VERIFY_RETENTION_DAYS), audit events (AUDIT_RETENTION_DAYS); the
    /// pruner's pass every PRUNE_INTERVAL seconds, PRUNE_BATCH_SIZE rows per transaction.
    public var verifyRetentionDays = 30
    public var auditRetentionDays = 365
    public var pruneInterval = 300
    public var pruneBatchSize = 500
    /// Where e-mailed codes go (SMTP_URL, environment only: it holds the password; SMTP_FROM the
    /// sender; SMTP_CA_FILE certificates to trust instead of the system's). Nil without SMTP_URL:
    /// e-mails go to the outbox outside production, and production has no e-mail.
    public var smtp: SMTPSettings?
    /// Verify API callbacks (WebhookDeliverer): retried with backoff until a 2xx or until
    /// WEBHOOK_GIVE_UP seconds after the request ended.
    public var webhookGiveUp = 86_400
    /// A batch is one write transaction: past this it holds the writer longer than a request should wait.
    public static let pruneBatchSizeMax = 10_000

    public var viewsDirectory: String { root + "/Views" }
    public var migrationsDirectory: String { root + "/Migrations" }
    public var publicDirectory: String { root + "/public" }

    /// Reads the file for the environment, applies overrides and validates.
    public static func load(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        let root = env["APP_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
        let name = env["APP_ENV"] ?? "development"
        guard let environment = Environment(rawValue: name) else {
            throw ConfigError("APP_ENV must be development, test or production (got \"\(name)\")")
        }
        let file = "\(root)/config/\(name).json"
        let values = try ConfigFile(path: file, environment: env)

        func path(_ p: String) -> String { p.hasPrefix("/") ? p : "\(root)/\(p)" }
        var database = try values.string("database", env: "DATABASE_URL")
        let postgresURL = PostgreSQLDatabase.handles(database) ? database : nil
        // With PostgreSQL nothing lives in a local database file; db/ still holds the dev secret.
        if postgresURL != nil { database = "db/postgresql" }
        for scheme in ["sqlite://", "sqlite:"] where database.hasPrefix(scheme) { database.removeFirst(scheme.count) }

        var config = AppConfig(
            environment: environment, root: root,
            host: try values.string("host", env: "HOST"),
            port: try values.int("port", env: "PORT", in: 0...65535),
            databasePath: path(database),
            secretKeyBase: env["SECRET_KEY_BASE"] ?? "",
            smsOutbox: path(try values.string("sms_outbox", env: "SMS_OUTBOX", default: "tmp/outbox.jsonl")),
            gateways: GatewayCredentials(environment: env, root: root),
            bcryptCost: try values.int("bcrypt_cost", env: "BCRYPT_COST", in: 4...31),
            brandName: try values.string("brand_name", env: "BRAND_NAME"),
            sessionIdleTimeout: try values.int("session_idle_timeout", env: "SESSION_IDLE_TIMEOUT", in: 60...86_400 * 30),
            sessionLifetime: try values.int("session_lifetime", env: "SESSION_LIFETIME", in: 60...86_400 * 365),
            pinExpiry: try values.int("pin_expiry", env: "PIN_EXPIRY", in: 60...3600),
            pinMaxAttempts: try values.int("pin_max_attempts", env: "PIN_MAX_ATTEMPTS", in: 1...10),
            pinResendInterval: try values.int("pin_resend_interval", env: "PIN_RESEND_INTERVAL", in: 0...3600),
            verifyEngine: try VerifyEngineKind.parse(try values.string("verify_engine", env: "VERIFY_ENGINE", default: "builtin")),
            webWorkflowID: try values.int("web_workflow_id", env: "WEB_WORKFLOW_ID", in: 1...7),
            verifyMaxSendsPerNumber: try values.int("verify_max_sends_per_number", env: "VERIFY_MAX_SENDS_PER_NUMBER", in: 1...1000),
            verifySendWindow: try values.int("verify_send_window", env: "VERIFY_SEND_WINDOW", in: 1...86_400),
            verifyMaxSendsPerIP: try values.int("verify_max_sends_per_ip", env: "VERIFY_MAX_SENDS_PER_IP", in: 1...100_000),
            verifyAPIRateLimit: try values.int("verify_api_rate_limit", env: "VERIFY_API_RATE_LIMIT", in: 1...1_000_000),
            workerThreads: try values.int("worker_threads", env: "WORKER_THREADS", in: 1...512),
            bcryptThreads: try values.int("bcrypt_threads", env: "BCRYPT_THREADS", in: 0...256),
            bcryptQueue: try values.int("bcrypt_queue", env: "BCRYPT_QUEUE", in: 0...4096),
            maxConnections: try values.int("max_connections", env: "MAX_CONNECTIONS", in: 1...1_000_000),
            logLevel: try values.logLevel("log_level", env: "LOG_LEVEL"))
        config.postgresURL = postgresURL
        config.databasePool = try values.int("database_pool", env: "DATABASE_POOL", in: 0...1000, default: 0)
        config.loginMaxFailures = try values.int("login_max_failures", env: "LOGIN_MAX_FAILURES", in: 1...100, default: 5)
        config.loginFailureWindow = try values.int("login_failure_window", env: "LOGIN_FAILURE_WINDOW", in: 1...86_400, default: 600)
        config.loginBanDuration = try values.int("login_ban_duration", env: "LOGIN_BAN_DURATION", in: 1...86_400 * 7, default: 900)
        config.signupMaxPerIP = try values.int("signup_max_per_ip", env: "SIGNUP_MAX_PER_IP", in: 1...10_000, default: config.signupMaxPerIP)
        config.signupWindow = try values.int("signup_window", env: "SIGNUP_WINDOW", in: 60...86_400 * 7, default: config.signupWindow)
        config.metricsToken = env["METRICS_TOKEN"] ?? ""
        config.bcryptNice = try values.int("bcrypt_nice", env: "BCRYPT_NICE", in: -20...19, default: -15)
        config.writerNice = try values.int("writer_nice", env: "WRITER_NICE", in: -20...19, default: -20)
        config.maxConnectionsPerIP = try values.int("max_connections_per_ip", env: "MAX_CONNECTIONS_PER_IP", in: 1...1_000_000,
                                                    default: config.maxConnectionsPerIP)
        config.headerTimeout = try values.int("header_timeout", env: "HEADER_TIMEOUT", in: 1...300, default: 10)
        func onOff(_ key: String, _ env: String, default fallback: String = "off") throws -> Bool {
            switch try values.string(key, env: env, default: fallback).lowercased() {
            case "on": return true
            case "off", "": return false
            case let other: throw ConfigError("\(env) / \"\(key)\" must be on or off (got \"\(other)\")")
            }
        }
        let format = try values.string("log_format", env: "LOG_FORMAT", default: "text")
        guard let logFormat = LogLine.Format(rawValue: format.lowercased()) else {
            throw ConfigError("LOG_FORMAT / \"log_format\" must be text or json (got \"\(format)\")")
        }
        config.logFormat = logFormat
        config.instanceName = env["INSTANCE_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? LogLine.defaultInstance()
        config.trustedProxies = try Self.parseTrustedProxies(try values.string("trusted_proxies", env: "TRUSTED_PROXIES", default: ""))
        let countries = try values.string("sms_countries", env: "SMS_COUNTRIES", default: "")
        do { config.smsCountries = try DestinationCountries(parsing: countries) } catch let error as DestinationCountries.UnknownCountry {
            throw ConfigError("SMS_COUNTRIES / \"sms_countries\": \"\(error.code)\" is not an ISO 3166 country code we can place numbers in (e.g. GB,US,DE)")
        }
        config.verifyMaxSendsPerHour = try values.int("verify_max_sends_per_hour", env: "VERIFY_MAX_SENDS_PER_HOUR",
                                                       in: 0...100_000_000, default: 0)
        config.verifyRetentionDays = try values.int("verify_retention_days", env: "VERIFY_RETENTION_DAYS", in: 1...3650,
                                                    default: config.verifyRetentionDays)
        config.auditRetentionDays = try values.int("audit_retention_days", env: "AUDIT_RETENTION_DAYS", in: 1...36_500,
                                                   default: config.auditRetentionDays)
        config.pruneInterval = try values.int("prune_interval", env: "PRUNE_INTERVAL", in: 10...86_400, default: config.pruneInterval)
        config.pruneBatchSize = try values.int("prune_batch_size", env: "PRUNE_BATCH_SIZE", in: 1...Self.pruneBatchSizeMax,
                                               default: config.pruneBatchSize)
        config.webhookGiveUp = try values.int("webhook_give_up", env: "WEBHOOK_GIVE_UP", in: 60...604_800,
                                              default: config.webhookGiveUp)
        config.passwordlessLogin = try onOff("passwordless_login", "PASSWORDLESS_LOGIN")
        config.passwordlessSignup = try onOff("passwordless_signup", "PASSWORDLESS_SIGNUP")
        config.passkeys = try PasskeySettings.parse(
            login: try onOff("passkey_login", "PASSKEY_LOGIN"),
            origins: try values.string("webauthn_origins", env: "WEBAUTHN_ORIGINS", default: ""),
            rpID: try values.string("webauthn_rp_id", env: "WEBAUTHN_RP_ID", default: ""),
            clonePolicy: try values.string("passkey_clone_policy", env: "PASSKEY_CLONE_POLICY", default: "warn"),
            environment: config.environment)
        config.passwordResetHold = try values.int("password_reset_hold", env: "PASSWORD_RESET_HOLD", in: 0...86_400 * 30,
                                                  default: config.passwordResetHold)
        config.secureCookies = try onOff("secure_cookies", "SECURE_COOKIES",
                                         default: config.environment == .production ? "on" : "off")
        config.smtp = try Self.parseSMTP(url: env["SMTP_URL"] ?? "", from: try values.string("smtp_from", env: "SMTP_FROM", default: ""),
                                         caFile: try values.string("smtp_ca_file", env: "SMTP_CA_FILE", default: ""),
                                         brand: config.brandName, root: root)
        try config.validate(smsGateway: try values.string("sms_gateway", env: "SMS_GATEWAY", default: ""),
                            voiceGateway: try values.string("voice_gateway", env: "VOICE_GATEWAY", default: ""))
        return config
    }

    /// SMTP_URL with SMTP_FROM (required with it) and SMTP_CA_FILE (must be readable); nil when
    /// SMTP_URL is unset. Errors never repeat the URL (it holds the password).
    static func parseSMTP(url: String, from: String, caFile: String, brand: String, root: String) throws -> SMTPSettings? {
        if url.isEmpty {
            if !from.isEmpty, let problem = EmailAddress.problem(from) { throw ConfigError("SMTP_FROM must be an e-mail address (\(problem))") }
            return nil
        }
        guard !from.isEmpty else { throw ConfigError("SMTP_FROM is required with SMTP_URL (the sender address, e.g. codes@example.com)") }
        var settings: SMTPSettings
        do { settings = try SMTPSettings.parse(url: url, from: from, fromName: brand) } catch let error as SMTPSettings.Invalid {
            throw ConfigError(error.description)
        }
        if !caFile.isEmpty {
            let path = caFile.hasPrefix("/") ? caFile : "\(root)/\(caFile)"
            guard FileManager.default.isReadableFile(atPath: path) else { throw ConfigError("SMTP_CA_FILE: cannot read \(path)") }
            settings.caFile = path
        }
        return settings
    }

    /// `127.0.0.1,10.0.0.0/8,::1,fd00::/8` → blocks; spaces around entries are allowed.
    static func parseTrustedProxies(_ text: String) throws -> [CIDR] {
        try text.split(separator: ",", omittingEmptySubsequences: false).compactMap { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                guard text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigError("TRUSTED_PROXIES / \"trusted_proxies\" has an empty entry (got \"\(text)\")")
                }
                return nil
            }
            guard let block = CIDR(trimmed) else {
                throw ConfigError("TRUSTED_PROXIES / \"trusted_proxies\": \"\(trimmed)\" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)")
            }
            return block
        }
    }

    /// Gateway names come in as text and are parsed here, after the checks above, so an
    /// unknown one is reported where it always was.
    private mutating func validate(smsGateway smsName: String, voiceGateway voiceName: String) throws {
        // The web's own brand obeys the Verify API's rule (VerifyStart.brandProblem).
        if let problem = VerifyStart.brandProblem(brandName) {
            throw ConfigError("BRAND_NAME must be \(problem) (it goes into every SMS)")
        }
        if host.isEmpty { throw ConfigError("HOST must not be empty") }
        if verifyEngine == .vonage { try gateways.checkVonageVerify(production: environment == .production) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if bcryptThreads == 0 {
            // Half the cores: a login storm can then never take more than half the machine
            // (the rest serves pages); always leaving HTTP workers free for page views.
            bcryptThreads = max(1, min(cores / 2, workerThreads - bcryptQueue - 1))
        }
        if bcryptThreads >= cores && bcryptNice < 0 { bcryptNice = 0 }
        if databasePool == 0 { databasePool = min(4 * cores, workerThreads + cores) }
        // Each login waiting for bcrypt holds an HTTP worker: keep at least one for everything else.
        guard bcryptThreads + bcryptQueue < workerThreads else {
            throw ConfigError("BCRYPT_THREADS + BCRYPT_QUEUE (\(bcryptThreads) + \(bcryptQueue)) must be less than WORKER_THREADS (\(workerThreads)), so logins waiting for bcrypt can never hold every worker")
        }
        if smsName.isEmpty {
            // Outside production the outbox is the safe default; production must choose.
            guard environment != .production else {
                throw ConfigError("no SMS gateway configured for production: set SMS_GATEWAY (outbox, twilio or vonage)")
            }
            smsGateway = .outbox
        } else {
            smsGateway = try GatewayKind.parse(smsName, for: .sms)
        }
        try gateways.check(gateway: smsGateway, channel: .sms, production: environment == .production)
        let voiceDefaulted = voiceName.isEmpty
        voiceGateway = voiceDefaulted ? smsGateway : try GatewayKind.parse(voiceName, for: .voice)
        do {
            try gateways.check(gateway: voiceGateway, channel: .voice, production: environment == .production)
        } catch let error as ConfigError where voiceDefaulted {
            throw ConfigError(error.description + " (VOICE_GATEWAY defaults to SMS_GATEWAY; set it to choose another)")
        }
        if environment == .production {
            guard secretKeyBase.utf8.count >= 32 else {
                throw ConfigError("SECRET_KEY_BASE is required in production and must be at least 32 characters (generate one with: openssl rand -hex 64)")
            }
        } else if secretKeyBase.isEmpty && postgresURL != nil {
            // A secret made up on one machine would not be shared by the other instances.
            throw ConfigError("SECRET_KEY_BASE must be set when DATABASE_URL is PostgreSQL: every instance must use the same one (generate one with: openssl rand -hex 64)")
        } else if secretKeyBase.isEmpty {
            secretKeyBase = try DevelopmentSecret.loadOrCreate(besideDatabase: databasePath)
        } else if secretKeyBase.utf8.count < 32 {
            throw ConfigError("SECRET_KEY_BASE must be at least 32 characters")
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
