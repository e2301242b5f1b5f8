import XCTest
@testable import Database

/// A row's columns found by name through `ColumnNames`, whose lookups start where the last one
/// ended: the same answers as a scan from the first name, in any order of lookups, for the first
/// of repeated names, missing names and names of any length.
final class ColumnNamesTests: XCTestCase {
    /// What `Row` did before: the first column with that name, scanning from the first.
    private func scan(_ names: [String], _ name: String) -> Int? { names.firstIndex(of: name) }

    func testFindsEveryNameWhereAScanWould() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz_0123456789é")
        for count in [0, 1, 2, 3, 7, 26, 64, 200] {
            // Short names (stored inline in the String) and long ones (> 15 bytes, on the heap),
            // with repeats when the alphabet runs short.
            let names = (0..<count).map { _ in
                String((0..<Int.random(in: 1...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            } + (count > 2 ? ["id", "id"] : [])
            let table = ColumnNames(names)
            XCTAssertEqual(table.count, names.count)
            XCTAssertEqual(table.names, names)
            // In order (each lookup starts where the last one ended), backwards, and at random.
            for order in [Array(names.indices), names.indices.reversed(), names.indices.shuffled(using: &generator)] {
                for i in order {
                    XCTAssertEqual(table.index(of: names[i]), scan(names, names[i]), "\(names[i]) among \(names.count)")
                }
            }
            for absent in ["", "nope", "request_id_that_is_long", names.first.map { $0 + "x" } ?? "x", "ID"] where !names.contains(absent) {
                XCTAssertNil(table.index(of: absent), "\(absent) among \(names.count)")
            }
        }
    }

    func testTheFirstOfRepeatedNamesWins() {
        let row = Row(columns: ["id", "name", "id", "name"], values: [.integer(1), .text("a"), .integer(2), .text("b")])
        XCTAssertEqual(row.int64("id"), 1)
        XCTAssertEqual(row.string("name"), "a")
        // After `name` the next lookup starts at the second `id`, and must still answer the first.
        XCTAssertEqual(row.int64("id"), 1)
        XCTAssertEqual(row.string("name"), "a")
        XCTAssertEqual(row.string("name"), "a")
    }

    func testAMissingColumnReadsAsNull() {
        let row = Row(columns: ["pk", "verification_request_identifier"], values: [.integer(7), .text("x")])
        XCTAssertEqual(row["verification_request_identifier"], .text("x"))
        XCTAssertEqual(row["verification_request_identifie"], .null)
        XCTAssertEqual(row["PK"], .null)
        XCTAssertNil(row.int64("missing"))
    }

    /// The names of a result are shared by its rows, not built for each one.
    func testRowsOfOneStatementShareTheirNames() throws {
        let directory = TemporaryDirectory()
        let database = try SQLiteDatabase(path: directory.path + "/t.sqlite3")
        let rows = try database.read { db in
            try db.query("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y' UNION ALL SELECT 3, 'z'", [])
        }
        XCTAssertEqual(rows.map { $0.int64("a") }, [1, 2, 3])
        XCTAssertEqual(rows.map { $0.string("b") }, ["x", "y", "z"])
        XCTAssertTrue(rows[0].names === rows[1].names && rows[1].names === rows[2].names)
    }
}
