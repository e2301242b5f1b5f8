import XCTest
import TestSupport

/// The Verify API's `brand` goes into the text people read: at most 18 Unicode scalars,
/// printable only (issue 13, section 4).
final class VerifyBrandTests: IntegrationTestCase {
    func answer(_ api: VerifyAPIClient, brand: String, number: String) throws -> (status: String?, text: String) {
        let json = try api.request(number, brand: brand)
        return (json["status"] as? String, json["error_text"] as? String ?? "")
    }

    func testBrandIsAtMost18ScalarsAndPrintable() throws {
        let api = try VerifyAPIClient.create(on: server)
        var n = 100
        func nextNumber() -> String { n += 1; return "447700900\(n)" }

        // Accepted: 18 ASCII characters, accented letters (one scalar each), an emoji.
        for brand in ["ABCDEFGHIJKLMNOPQR", "Café Ünïcode", "Acme 🔐"] {
            XCTAssertEqual(try answer(api, brand: brand, number: nextNumber()).status, "0", brand)
        }
        let refused: [(String, String)] = [
            ("ABCDEFGHIJKLMNOPQRS", "19 characters"),
            (String(repeating: "e\u{301}", count: 10), "10 characters on screen but 20 scalars"),
            ("Z\u{35C}\u{35D}\u{35E}\u{35F}\u{360}\u{361}\u{362}\u{363}\u{364}\u{365}\u{366}\u{367}\u{368}\u{369}\u{36A}\u{36B}\u{36C}\u{36D}",
             "one character piled with marks"),
            ("Acme\nBank", "line break"),
            ("Acme\u{2028}Bank", "line separator"),
            ("Acme\tBank", "tab"),
            ("Acme\u{7}", "bell"),
            ("Acme\u{7F}", "delete"),
            ("Bank\u{202E}evil", "right-to-left override"),
            ("\u{2066}Acme\u{2069}", "isolate"),
            ("Acme\u{200F}", "right-to-left mark"),
            ("Acme\u{200E}", "left-to-right mark"),
        ]
        for (brand, why) in refused {
            let (status, text) = try answer(api, brand: brand, number: nextNumber())
            XCTAssertEqual(status, "3", why)
            XCTAssertTrue(text.hasPrefix("Invalid value for param: brand ("), "\(why): \(text)")
        }
        XCTAssertEqual(server.messages().count, 3, "only the accepted brands sent a text")
        XCTAssertTrue(server.app.metrics.render().contains("twofa_refusals_total{reason=\"verify_brand\"} \(refused.count)"))
    }
}
