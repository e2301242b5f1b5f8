import Database
import Foundation

/// Where a test server keeps its data. By default a SQLite file in the server's folder; when
/// `TWOFA_TEST_POSTGRES_URL` names a PostgreSQL server (bin/test starts a throwaway one and
/// runs the integration tests a second time with it), a database of its own on that server,
/// named after the folder so that a restarted server (`reusing:`) finds the same one.
enum TestDatabase {
    static var postgresServer: String? {
        ProcessInfo.processInfo.environment["TWOFA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isPostgres: Bool { postgresServer != nil }

    struct DumpFailed: Error {}

    /// The DATABASE_URL for a server whose files live in `directory`, creating the database if needed.
    static func url(for directory: String) throws -> String {
        guard let server = postgresServer else { return directory + "/test.sqlite3" }
        let name = databaseName(for: directory)
        try admin { db in
            let exists = try db.read { try $0.queryOne("SELECT 1 AS found FROM pg_database WHERE datname = ?", [.text(name)]) } != nil
            if !exists { try db.writeWithoutTransaction { try $0.executeScript("CREATE DATABASE \(name)") } }
        }
        return replacingDatabase(in: server, with: name)
    }

    /// Drops the database of `directory` (PostgreSQL only), ending any connection still open to it.
    static func drop(for directory: String) {
        guard isPostgres else { return }
        let name = databaseName(for: directory)
        try? admin { db in try db.writeWithoutTransaction { try $0.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
    }

    /// The URL of another database on the same server as `server`.
    static func replacingDatabase(in server: String, with name: String) -> String {
        guard let slash = server.range(of: "/", options: .backwards, range: server.range(of: "://")!.upperBound..<server.endIndex)
        else { return server + "/" + name }
        let query = server[slash.upperBound...].firstIndex(of: "?").map { String(server[$0...]) } ?? ""
        return String(server[..<slash.upperBound]) + name + query
    }

    private static func databaseName(for directory: String) -> String {
        let base = (directory as NSString).lastPathComponent.lowercased()
        return "t_" + String(base.map { $0.isLetter || $0.isNumber ? $0 : "_" }.suffix(50))
    }

    private static func admin(_ body: (PostgreSQLDatabase) throws -> Void) throws {
        let db = try PostgreSQLDatabase(url: postgresServer!, poolSize: 1)
        defer { db.close() }
        try body(db)
    }
}
