import Database
import Security

/// Single-use recovery codes: the way back in when the phone with the authenticator app is
/// lost. 10 codes of 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about
/// 49 bits each — too many to guess, so a keyed digest (HMAC-SHA256 under
/// `KeyGenerator.key(for: "recovery")`, bound to the user id) is enough; no bcrypt needed.
/// Shown once as `ABCDE-FGHJK`; typed with or without the dash, in any case.
public enum RecoveryCode {
    public static let count = 10
    public static let length = 10
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ".utf8)

    /// A fresh code from the CSPRNG (rejection sampling: no modulo bias).
    public static func generate() -> String {
        let limit = UInt8(256 - 256 % alphabet.count)
        var out: [UInt8] = []
        while out.count < length {
            for byte in SecureRandom.bytes(length * 2) where byte < limit && out.count < length {
                out.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `ABCDEFGHJK` → `ABCDE-FGHJK`, as shown to the user.
    public static func display(_ code: String) -> String {
        String(code.prefix(length / 2)) + "-" + String(code.dropFirst(length / 2))
    }

    /// What the user typed, upper-cased without spaces and dashes; nil when it can't be a code.
    public static func normalize(_ typed: String) -> String? {
        let code = typed.uppercased().filter { $0 != " " && $0 != "-" }
        guard code.utf8.count == length, code.utf8.allSatisfy(alphabet.contains) else { return nil }
        return code
    }

    static func digest(_ code: String, userID: Int64, keys: KeyGenerator) -> String {
        Hex.encode(Digest.hmacSHA256(key: keys.key(for: "recovery"), message: "\(userID):\(code)"))
    }

    /// Replaces the user's codes with a new set and returns it (the only time they are readable).
    public static func replaceAll(userID: Int64, keys: KeyGenerator, now: Int64, in db: DatabaseConnection) throws -> [String] {
        try deleteAll(userID: userID, in: db)
        var codes: [String] = []
        while codes.count < count {
            let code = generate()
            if codes.contains(code) { continue }
            codes.append(code)
            try db.execute("INSERT INTO recovery_codes (user_id, code_digest, created_at) VALUES (?, ?, ?)",
                           [.integer(userID), .text(digest(code, userID: userID, keys: keys)), .integer(now)])
        }
        return codes
    }

    /// Spends `typed` if it is one of the user's unused codes. The conditional UPDATE makes a
    /// code usable once even when two requests race with it.
    public static func use(_ typed: String, userID: Int64, keys: KeyGenerator, now: Int64, in db: DatabaseConnection) throws -> Bool {
        guard let code = normalize(typed) else { return false }
        try db.execute("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_digest = ? AND used_at IS NULL",
                       [.integer(now), .integer(userID), .text(digest(code, userID: userID, keys: keys))])
        return db.changes > 0
    }

    public static func remaining(userID: Int64, in db: DatabaseConnection) throws -> Int {
        try db.queryOne("SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
                        [.integer(userID)])?.int("n") ?? 0
    }

    public static func deleteAll(userID: Int64, in db: DatabaseConnection) throws {
        try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [.integer(userID)])
    }
}
