import Database
import Foundation
import Security
import Support

/// `twofa users import --rails SOURCE [--default-country CC]`: brings in the `users` table of
/// a Rails app built like the Rails two-factor tutorial (`username`, `password_digest`,
/// `number`), from its SQLite file or its PostgreSQL URL; the source is only read.
/// - Their bcrypt `$2a$` digests keep working, and are renewed as `$2b$` at our cost at the
///   next successful login (`PasswordHasher.needsRehash`).
/// - Numbers become E.164: `+…` and `00…` are international; anything else is national and
///   takes `--default-country` after dropping one trunk `0`.
/// - Invalid rows and duplicates (of an account here or of an earlier row) are skipped and
///   listed; the valid ones go in one transaction, so an import is whole or absent.
/// - Imported numbers are unverified until a PIN proves them, as after a sign-up.
public enum RailsImport {
    public static let usage = "usage: twofa users import --rails PATH_OR_POSTGRES_URL [--default-country CC]"

    public struct Options: Equatable {
        public var source: String
        public var defaultCountry: String?

        /// The words after `users import`; nil when they are not a valid command line.
        public init?(arguments: [String]) {
            var source: String?
            var words = arguments[...]
            while let word = words.popFirst() {
                switch word {
                case "--rails":
                    guard let value = words.popFirst(), !value.isEmpty, source == nil else { return nil }
                    source = value
                case "--default-country":
                    guard let value = words.popFirst()?.trimmingCharacters(in: CharacterSet(charactersIn: "+")),
                          (1...3).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }), value.first != "0"
                    else { return nil }
                    defaultCountry = value
                default: return nil
                }
            }
            guard let source else { return nil }
            self.source = source
        }
    }

    /// Why a row stays out; never holds the digest or the full number.
    struct Rejection: Error { let reason: String }

    /// One row of the source, as read.
    struct SourceRow {
        let id: String
        let username: String
        let number: String
        let digest: String
    }

    public static func run(_ config: AppConfig, _ options: Options, now: Int64 = Int64(Date().timeIntervalSince1970),
                           progress makeProgress: (Int) -> ProgressBar = { ProgressBar(unit: "rows", total: $0) }) throws -> String {
        let rows = try read(options.source)
        let target = try DatabaseFactory.open(config, connections: 1)
        defer { target.close() }
        try Migrator(directory: config.migrationsDirectory).migrate(target)

        let bar = makeProgress(rows.count)
        var skipped: [String] = []
        var imported = 0
        try target.write { db in
            var usernames = Set<String>(), numbers = Set<String>()
            for (index, row) in rows.enumerated() {
                defer { bar.update(index + 1) }
                let label = "row \(index + 1) (id \(row.id))"
                switch validate(row, defaultCountry: options.defaultCountry) {
                case .failure(let rejection):
                    skipped.append("\(label): \(rejection.reason)")
                case .success(let number):
                    let key = row.username.lowercased()
                    if try usernames.contains(key) || User.find(username: row.username, in: db) != nil {
                        skipped.append("\(label): username \"\(row.username)\" is taken")
                    } else if try numbers.contains(number) || User.exists(number: number, in: db) {
                        skipped.append("\(label): number \(Redact.phone(number)) belongs to another account")
                    } else {
                        _ = try User.create(username: row.username, number: number, passwordDigest: row.digest, now: now, in: db)
                        usernames.insert(key)
                        numbers.insert(number)
                        imported += 1
                    }
                }
            }
        }
        bar.finish()
        var report = ["Imported \(imported) of \(rows.count) users from \(PostgreSQLDatabase.redacted(options.source)); "
                      + "their numbers are unverified until a PIN proves them."]
        if !skipped.isEmpty {
            report.append("Skipped \(skipped.count):")
            report += skipped.map { "  " + $0 }
        }
        return report.joined(separator: "\n")
    }

    /// The number in E.164, or why the row can't come in. Never says the digest or the full number.
    static func validate(_ row: SourceRow, defaultCountry: String?) -> Result<String, Rejection> {
        var errors = ValidationErrors()
        User.validateUsername(row.username, into: &errors)
        if let problem = errors["username"] { return .failure(Rejection(reason: "username \"\(row.username)\": \(problem)")) }
        guard BCrypt.cost(of: row.digest) != nil else { return .failure(Rejection(reason: "password_digest is not a bcrypt digest")) }
        return normalize(number: row.number, defaultCountry: defaultCountry).mapError { Rejection(reason: "number: \($0)") }
    }

    static func normalize(number: String, defaultCountry: String?) -> Result<String, PhoneNumber.Problem> {
        var text = number.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("00") {
            text = "+" + text.dropFirst(2)
        } else if !text.hasPrefix("+"), let country = defaultCountry {
            let digits = text.drop { !$0.isNumber }
            text = "+" + country + (digits.first == "0" ? String(digits.dropFirst()) : String(digits))
        }
        return PhoneNumber.normalize(text)
    }

    /// Every row of the source's `users` table, oldest first.
    static func read(_ source: String) throws -> [SourceRow] {
        let db: Database = PostgreSQLDatabase.handles(source)
            ? try PostgreSQLDatabase(url: source, poolSize: 1)
            : try SQLiteDatabase(readingOnly: source)
        defer { db.close() }
        let rows = try db.read { try $0.query("SELECT * FROM users ORDER BY id") }
        if let first = rows.first {
            let missing = ["username", "password_digest", "number"].filter { !first.columns.contains($0) }
            guard missing.isEmpty else {
                throw ConfigError("the source's users table has no \(missing.joined(separator: ", ")) column: is it a Rails two-factor app?")
            }
        }
        return rows.map { row in
            SourceRow(id: row.int64("id").map(String.init) ?? "?", username: row.string("username") ?? "",
                      number: row.string("number") ?? "", digest: row.string("password_digest") ?? "")
        }
    }
}
