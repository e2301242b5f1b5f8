import XCTest
@testable import Templates

final class TemplateContextTests: XCTestCase {
    func testSetReadReplaceAndRemoveByName() {
        var context = TemplateContext()
        XCTAssertTrue(context.isEmpty)
        context["title"] = "Welcome"
        context["brand"] = "twofa"
        context["count"] = 3
        XCTAssertEqual(context["title"], .string("Welcome"))
        XCTAssertEqual(context["count"], .int(3))
        XCTAssertNil(context["titles"])
        XCTAssertNil(context["Title"])

        context["title"] = "Again"   // replaced where it was, not added twice
        XCTAssertEqual(context.count, 3)
        XCTAssertEqual(context.map(\.name), ["title", "brand", "count"])
        XCTAssertEqual(context["title"], .string("Again"))

        context["brand"] = nil
        XCTAssertEqual(context.map(\.name), ["title", "count"])
        XCTAssertNil(context["brand"])
        context["missing"] = nil
        XCTAssertEqual(context.count, 2)
    }

    func testTheLastOfADuplicateNameInALiteralWins() {
        let context: TemplateContext = ["a": 1, "b": 2, "a": 3]
        XCTAssertEqual(context.count, 2)
        XCTAssertEqual(context["a"], .int(3))
        let value: TemplateValue = ["a": 1, "a": "two"]
        XCTAssertEqual(value, .dict(["a": "two"]))
    }

    func testEqualityIgnoresOrderButNotValuesOrNames() {
        let a: TemplateContext = ["x": 1, "y": ["z": true]]
        XCTAssertEqual(a, ["y": ["z": true], "x": 1])
        XCTAssertNotEqual(a, ["x": 1, "y": ["z": false]])
        XCTAssertNotEqual(a, ["x": 1])
        XCTAssertNotEqual(a, ["x": 1, "y": ["z": true], "w": nil as TemplateValue])
        XCTAssertNotEqual(a, ["x": 1, "q": ["z": true]])
    }

    /// A fingerprint only narrows the search: two names that share one stay two names.
    func testNamesWithTheSameFingerprintAreKeptApart() {
        let fingerprint = TemplateContext.Name("csrf_token").fingerprint
        let first = TemplateContext.Name(text: "csrf_token", fingerprint: fingerprint)
        let impostor = TemplateContext.Name(text: "csrf_tokem", fingerprint: fingerprint)
        var context = TemplateContext()
        context[first] = "real"
        XCTAssertNil(context[impostor])
        context[impostor] = "other"
        XCTAssertEqual(context.count, 2)
        XCTAssertEqual(context[first], .string("real"))
        XCTAssertEqual(context[impostor], .string("other"))
        XCTAssertEqual(context["csrf_token"], .string("real"))
    }

    func testDifferentNamesGetDifferentFingerprints() {
        // Not a guarantee, but the names our templates use must not all land in one bucket.
        let names = ["title", "brand", "stylesheet", "csrf_token", "has_session", "logged_in",
                     "current_username", "held_reset_until", "flash", "username", "masked_number", "a", "b", ""]
        XCTAssertEqual(Set(names.map { TemplateContext.Name($0).fingerprint }).count, names.count)
    }

    /// The renderer finds names through the fingerprints the parser computed, in the page, in a
    /// layout, inside loops and along dotted paths.
    func testRenderingFindsNamesEverywhereAPathCanPoint() throws {
        let context: TemplateContext = [
            "title": "T", "titl": "wrong", "user": ["name": "Ann", "names": "wrong"],
            "rows": [["v": "r1"], ["v": "r2", "title": "inner"]],
        ]
        XCTAssertEqual(try render("{{ title }}|{{ user.name }}|{{#each rows}}{{ v }}:{{ title }};{{/each}}", context),
                       "T|Ann|r1:T;r2:inner;")
        XCTAssertEqual(try render("[{{ yield }}]", context, others: ["l": "<{{ title }}>{{ yield }}"], layout: "l"),
                       "<T>[]")
    }
}
