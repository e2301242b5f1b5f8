import Database

/// One code submitted for a Verify request. A wrong code is kept as typed (it is a
/// guess, and Vonage's search echoes it); a correct one is never stored, so `code` is nil.
public struct VerifyCheck: Sendable, Equatable {
    public enum Status: String, Sendable { case valid = "VALID", invalid = "INVALID" }

    public let code: String?
    public let status: Status
    public let ipAddress: String
    public let dateReceived: Int64

    /// A code as a check takes it: 1 to 10 ASCII digits. Read as bytes: the same test on
    /// `Character`s (`allSatisfy { $0.isASCII && $0.isNumber }` and `count`) broke the string
    /// into grapheme clusters and looked each up in Unicode's tables, about 4 k instructions a
    /// check (BENCHMARKS.md, "The write path, eleventh pass").
    public static func isCodeForm(_ code: String) -> Bool {
        (1...10).contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    init(row: Row) {
        code = row.string("code")
        status = Status(rawValue: row.string("status") ?? "") ?? .invalid
        ipAddress = row.string("ip_address") ?? ""
        dateReceived = row.int64("date_received") ?? 0
    }

    static func record(requestPK: Int64, code: String?, status: Status, ip: String, now: Int64,
                       in db: DatabaseConnection) throws {
        try db.execute(recordStatement(requestPK: requestPK, code: code, status: status, ip: ip, now: now))
    }

    /// `record` as a statement, to send together with others.
    static func recordStatement(requestPK: Int64, code: String?, status: Status, ip: String, now: Int64) -> SQLStatement {
        ("""
            INSERT INTO verify_checks (request_pk, code, status, ip_address, date_received) VALUES (?, ?, ?, ?, ?)
            """, [.integer(requestPK), code.map(SQLValue.text) ?? .null, .text(status.rawValue), .text(ip), .integer(now)])
    }

    static func all(requestPK: Int64, in db: DatabaseConnection) throws -> [VerifyCheck] {
        try db.query("SELECT code, status, ip_address, date_received FROM verify_checks WHERE request_pk = ? ORDER BY id",
                     [.integer(requestPK)]).map(VerifyCheck.init)
    }
}
