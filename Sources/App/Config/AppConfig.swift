import Foundation
import Support

/// Everything the app reads at start-up: `config/<APP_ENV>.json`, overridden by the
/// environment. Invalid values stop start-up with a `ConfigError` (exit code 1).
public struct AppConfig: Sendable {
    public enum Environment: String, Sendable { case development, test, production }

    public var environment: Environment
    /// Folder holding config/, Views/, Migrations/ and public/ (APP_ROOT; default: cwd).
    public var root: String
    public var host: String
    public var port: Int
    public var databasePath: String
    public var secretKeyBase: String
    public var smsGateway: String
    public var smsOutbox: String
    public var bcryptCost: Int
    public var brandName: String
    public var sessionIdleTimeout: Int
    public var sessionLifetime: Int
    public var pinExpiry: Int
    public var pinMaxAttempts: Int
    public var pinResendInterval: Int
    public var workerThreads: Int
    public var logLevel: Log.Level

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
        for scheme in ["sqlite://", "sqlite:"] where database.hasPrefix(scheme) { database.removeFirst(scheme.count) }

        var config = AppConfig(
            environment: environment, root: root,
            host: try values.string("host", env: "HOST"),
            port: try values.int("port", env: "PORT", in: 0...65535),
            databasePath: path(database),
            secretKeyBase: env["SECRET_KEY_BASE"] ?? "",
            smsGateway: try values.string("sms_gateway", env: "SMS_GATEWAY", default: ""),
            smsOutbox: path(try values.string("sms_outbox", env: "SMS_OUTBOX", default: "tmp/outbox.jsonl")),
            bcryptCost: try values.int("bcrypt_cost", env: "BCRYPT_COST", in: 4...31),
            brandName: try values.string("brand_name", env: "BRAND_NAME"),
            sessionIdleTimeout: try values.int("session_idle_timeout", env: "SESSION_IDLE_TIMEOUT", in: 60...86_400 * 30),
            sessionLifetime: try values.int("session_lifetime", env: "SESSION_LIFETIME", in: 60...86_400 * 365),
            pinExpiry: try values.int("pin_expiry", env: "PIN_EXPIRY", in: 60...3600),
            pinMaxAttempts: try values.int("pin_max_attempts", env: "PIN_MAX_ATTEMPTS", in: 1...10),
            pinResendInterval: try values.int("pin_resend_interval", env: "PIN_RESEND_INTERVAL", in: 0...3600),
            workerThreads: try values.int("worker_threads", env: "WORKER_THREADS", in: 1...512),
            logLevel: try values.logLevel("log_level", env: "LOG_LEVEL"))
        try config.validate()
        return config
    }

    private mutating func validate() throws {
        if brandName.isEmpty || brandName.count > 18 {
            throw ConfigError("BRAND_NAME must be 1 to 18 characters (it goes into every SMS)")
        }
        if host.isEmpty { throw ConfigError("HOST must not be empty") }
        if smsGateway.isEmpty {
            // Outside production the outbox is the safe default; production must choose.
            guard environment != .production else {
                throw ConfigError("no SMS gateway configured for production: set SMS_GATEWAY (only \"outbox\" exists so far)")
            }
            smsGateway = "outbox"
        }
        guard smsGateway == "outbox" else {
            throw ConfigError("SMS_GATEWAY \"\(smsGateway)\" is unknown (known: outbox)")
        }
        if environment == .production {
            guard secretKeyBase.utf8.count >= 32 else {
                throw ConfigError("SECRET_KEY_BASE is required in production and must be at least 32 characters (generate one with: openssl rand -hex 64)")
            }
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
