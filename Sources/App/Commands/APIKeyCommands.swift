import Database
import Foundation
import Support
import Verify

/// `twofa api-keys create NAME [--daily-limit N] [--twilio] [--callback-url URL] | custom-codes KEY on|off | list | limit KEY|NAME N|none | revoke KEY`: the
/// operator's side of API clients. Applies pending migrations first, so it works on a fresh database.
/// A daily limit caps the texts and calls (scheduled ones included) a key causes per UTC day;
/// past it the API answers status 9 and the key's scheduled events are skipped (SendThrottle).
public enum APIKeyCommands {
    public static func create(_ config: AppConfig, name: String, dailyLimit: Int? = nil,
                              twilio: Bool = false) throws -> (apiKey: String, apiSecret: String) {
        let created = try create(config, name: name, dailyLimit: dailyLimit, twilio: twilio, callbackURL: nil)
        return (created.apiKey, created.apiSecret)
    }

    /// `twilio`: an account SID (`AC` + 32 hex) and auth token (32 hex) for the Twilio face.
    /// With `callbackURL`, the key's Verify callbacks go there, signed with a new signature
    /// secret that is returned (and never shown again).
    public static func create(_ config: AppConfig, name: String, dailyLimit: Int?, twilio: Bool = false, callbackURL: String?) throws
        -> (apiKey: String, apiSecret: String, signatureSecret: String?) {
        let keys = KeyGenerator(secretKeyBase: config.secretKeyBase)
        return try withDatabase(config) { db in
            try db.write { conn in
                let (client, secret) = try ApiClient.create(name: name, now: now(), style: twilio ? .twilio : .vonage, in: conn)
                if let dailyLimit { try SendCounters.setDailyLimit(dailyLimit, accountID: client.apiKey, now: now(), in: conn) }
                let signature = try callbackURL.map { try ApiClient.setCallback(apiKey: client.apiKey, url: $0, keys: keys, in: conn) }
                return (client.apiKey, secret, signature)
            }
        }
    }

    /// Why `url` can't be a callback URL, or nil.
    public static func callbackURLProblem(_ url: String) -> String? { ApiClient.callbackURLProblem(url) }

    /// One line per key: key, state, texts and calls today (of the daily limit), created date, name.
    /// Secrets are never shown again.
    public static func list(_ config: AppConfig) throws -> [String] {
        try withDatabase(config) { db in
            try db.read { conn in
                try ApiClient.all(in: conn).map { c in
                    let state = c.revokedAt.map { "revoked \(VerifyDate.format($0))" } ?? "active"
                    let used = try SendCounters.sentToday(accountID: c.apiKey, now: now(), in: conn)
                    let limit = try SendCounters.dailyLimit(accountID: c.apiKey, in: conn).map(String.init) ?? "no limit"
                    return "\(c.apiKey)  \(state)  today \(used)/\(limit)  created \(VerifyDate.format(c.createdAt))  \(c.name)"
                }
            }
        }
    }

    /// Sets (or with nil removes) the daily limit of the key named by `keyOrName` (its key, or
    /// a name only one key has). Returns the key, nil when none (or several) match.
    public static func limit(_ config: AppConfig, keyOrName: String, dailyLimit: Int?) throws -> String? {
        try withDatabase(config) { db in
            try db.write { conn in
                let clients = try ApiClient.all(in: conn).filter { $0.revokedAt == nil }
                let matches = clients.filter { $0.apiKey == keyOrName }.isEmpty ? clients.filter { $0.name == keyOrName }
                                                                               : clients.filter { $0.apiKey == keyOrName }
                guard matches.count == 1, let client = matches.first else { return nil }
                try SendCounters.setDailyLimit(dailyLimit, accountID: client.apiKey, now: now(), in: conn)
                return client.apiKey
            }
        }
    }

    /// `N` (1 or more) or `none`; nil when neither.
    public static func parseLimit(_ text: String) -> Int?? {
        if text == "none" { return .some(nil) }
        guard let n = Int(text), n >= 1, n <= 100_000_000 else { return nil }
        return .some(n)
    }

    /// `custom-codes KEY on|off`: whether the key may choose its users' codes. False when no active key.
    public static func customCodes(_ config: AppConfig, apiKey: String, allowed: Bool) throws -> Bool {
        let changed = try withDatabase(config) { db in try db.write { try ApiClient.setCustomCodes(allowed, apiKey: apiKey, in: $0) } }
        if changed { stampChange(config) }
        return changed
    }

    /// Refused by every server on the database once this returns (ApiKeyStamp).
    public static func revoke(_ config: AppConfig, apiKey: String) throws -> Bool {
        let revoked = try withDatabase(config) { db in try db.write { try ApiClient.revoke(apiKey: apiKey, now: now(), in: $0) } }
        if revoked { stampChange(config) }
        return revoked
    }

    /// After a committed change to a client's row: servers that cache clients (ApiClientCache)
    /// read it again on the key's next call. If the stamp can't be written they do within a second.
    private static func stampChange(_ config: AppConfig) {
        do {
            try ApiKeyStamp.of(config)?.change()
        } catch {
            Log.warning("\(error): servers already running see the change only within \(ApiClientCache.defaultMaxAge) s")
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
