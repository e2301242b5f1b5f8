import Database
import Foundation
import Verify

/// `twofa api-keys create NAME | list | revoke KEY`: the operator's side of API clients.
/// Applies pending migrations first, so it works on a fresh database.
public enum APIKeyCommands {
    public static func create(_ config: AppConfig, name: String) throws -> (apiKey: String, apiSecret: String) {
        try withDatabase(config) { db in
            let (client, secret) = try db.write { try ApiClient.create(name: name, now: now(), in: $0) }
            return (client.apiKey, secret)
        }
    }

    /// One line per key: key, state, created date, name. Secrets are never shown again.
    public static func list(_ config: AppConfig) throws -> [String] {
        try withDatabase(config) { db in
            try db.read { try ApiClient.all(in: $0) }.map { c in
                let state = c.revokedAt.map { "revoked \(VerifyDate.format($0))" } ?? "active"
                return "\(c.apiKey)  \(state)  created \(VerifyDate.format(c.createdAt))  \(c.name)"
            }
        }
    }

    public static func revoke(_ config: AppConfig, apiKey: String) throws -> Bool {
        try withDatabase(config) { db in try db.write { try ApiClient.revoke(apiKey: apiKey, now: now(), in: $0) } }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
