import Database
import Foundation
import Security

/// An API client's webhook: its callback URL and the secret its callbacks are signed with.
/// The secret is sealed under `KeyGenerator.key(for: "webhook-signature")` with the api key as
/// associated data (a sealed secret copied to another client's row does not open).
extension ApiClient {
    struct Callback: Equatable {
        let url: String
        let signatureSecret: String
    }

    static func signatureBox(keys: KeyGenerator) throws -> SecretBox { try SecretBox(key: keys.key(for: "webhook-signature")) }

    /// Why `text` can't be a callback URL, or nil: an absolute http(s) URL with a host.
    static func callbackURLProblem(_ text: String) -> String? {
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty else {
            return "an absolute http:// or https:// URL"
        }
        return nil
    }

    /// Gives the client a callback URL and a new signature secret (32 random bytes as 64 hex
    /// characters); returns the secret, which is never shown again.
    static func setCallback(apiKey: String, url: String, keys: KeyGenerator, in db: DatabaseConnection) throws -> String {
        let secret = Hex.encode(SecureRandom.bytes(32))
        let sealed = try signatureBox(keys: keys).seal(Array(secret.utf8), associatedData: Array(apiKey.utf8))
        try db.execute("UPDATE api_clients SET callback_url = ?, signature_secret_box = ? WHERE api_key = ?",
                       [.text(url), .blob(sealed), .text(apiKey)])
        return secret
    }

    /// The callback of the active client with this key, or nil when it has none.
    static func callback(apiKey: String, keys: KeyGenerator, in db: DatabaseConnection) throws -> Callback? {
        guard let row = try db.queryOne("""
            SELECT callback_url, signature_secret_box FROM api_clients WHERE api_key = ? AND revoked_at IS NULL
            """, [.text(apiKey)]), let url = row.string("callback_url"), let sealed = row.blob("signature_secret_box") else {
            return nil
        }
        let secret = try signatureBox(keys: keys).open(sealed, associatedData: Array(apiKey.utf8))
        return Callback(url: url, signatureSecret: String(decoding: secret, as: UTF8.self))
    }
}
