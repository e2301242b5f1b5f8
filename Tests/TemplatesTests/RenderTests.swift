import XCTest
@testable import Templates

/// Renders one template given inline (plus optional partials/layouts).
func render(_ source: String, _ context: TemplateContext = [:],
            others: [String: String] = [:], layout: String? = nil) throws -> String {
    var sources = others
    sources["page"] = source
    return try TemplateLibrary(sources: sources).render("page", context: context, layout: layout)
}

final class EscapingTests: XCTestCase {
    func testEverySpecialCharacterIsEscaped() {
        XCTAssertEqual(TemplateLibrary.escape("&"), "&amp;")
        XCTAssertEqual(TemplateLibrary.escape("<"), "&lt;")
        XCTAssertEqual(TemplateLibrary.escape(">"), "&gt;")
        XCTAssertEqual(TemplateLibrary.escape("\""), "&quot;")
        XCTAssertEqual(TemplateLibrary.escape("'"), "&#39;")
        XCTAssertEqual(TemplateLibrary.escape("`"), "&#96;")
        XCTAssertEqual(TemplateLibrary.escape("a=b c/d"), "a=b c/d")
        XCTAssertEqual(TemplateLibrary.escape(""), "")
    }

    func testEveryOtherASCIICharacterPassesThrough() {
        for b in UInt8(0)...0x7F where !"&<>\"'`".utf8.contains(b) {
            let s = String(decoding: [b], as: UTF8.self)
            XCTAssertEqual(TemplateLibrary.escape(s), s, "byte \(b)")
        }
    }

    /// Values are scanned eight bytes at a time: every special byte, at every position of a
    /// value longer than one word, with neighbours that differ from it by one bit (% ( = ? a b)
    /// and multi-byte text around it, escapes exactly as a byte-by-byte reference does.
    func testEverySpecialAtEveryPositionOfALongValue() {
        func reference(_ s: String) -> String {
            var out = ""
            for c in s {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                case "`": out += "&#96;"
                default: out.append(c)
                }
            }
            return out
        }
        let fillers: [Character] = ["a", "%", "(", "=", "?", "b", "$", "!", "#", "\u{7F}", "é", "🔐"]
        for special in "&<>\"'`" {
            for filler in fillers {
                for length in [8, 9, 15, 16, 17, 23] {
                    for position in 0..<length {
                        var characters = Array(repeating: filler, count: length)
                        characters[position] = special
                        let value = String(characters)
                        XCTAssertEqual(TemplateLibrary.escape(value), reference(value), "\(special) at \(position) of \(length) among \(filler)")
                    }
                }
            }
        }
        // Every byte value next to every special, across a word boundary.
        for b in UInt8(0)...0x7F {
            let s = String(decoding: Array(repeating: b, count: 7) + Array("&'<>\"`x".utf8) + Array(repeating: b, count: 9), as: UTF8.self)
            XCTAssertEqual(TemplateLibrary.escape(s), reference(s), "byte \(b)")
        }
    }

    func testMixedAndMultibyteText() {
        XCTAssertEqual(TemplateLibrary.escape("Zoë & “Ann” <3 🍕'"), "Zoë &amp; “Ann” &lt;3 🍕&#39;")
        XCTAssertEqual(TemplateLibrary.escape("&&"), "&amp;&amp;")
    }

    func testInterpolationEscapes() throws {
        XCTAssertEqual(try render("<p>{{ name }}</p>", ["name": "a&b<c>\"d\"'e'`f`"]),
                       "<p>a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;&#96;f&#96;</p>")
    }

    func testScriptInjectionStaysInert() throws {
        let evil: TemplateValue = "\"><script>alert('x')</script><img src=x onerror=alert(1)>"
        let html = try render("<input value=\"{{ v }}\"><p title='{{v}}'>{{ v }}</p>", ["v": evil])
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        let inert = "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        XCTAssertEqual(html, "<input value=\"\(inert)\"><p title='\(inert)'>\(inert)</p>")
        XCTAssertFalse(html.contains("'x'"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        XCTAssertEqual(html.components(separatedBy: "<").count - 1, 3, "only the template's own tags")
    }

    func testTemplateDelimitersInValuesAreNotReinterpreted() throws {
        XCTAssertEqual(try render("{{ v }}", ["v": "{{ secret }}"]), "{{ secret }}")
    }

    func testRawIsNotEscaped() throws {
        XCTAssertEqual(try render("{{ raw html }}|{{html}}", ["html": "<b>&</b>"]), "<b>&</b>|&lt;b&gt;&amp;&lt;/b&gt;")
        XCTAssertEqual(try render("{{raw   user.bio}}", ["user": ["bio": "<i>x</i>"]]), "<i>x</i>")
    }
}

final class ValueTests: XCTestCase {
    func testDottedLookup() throws {
        let ctx: TemplateContext = ["user": ["name": "Ann", "address": ["city": "Oslo"]]]
        XCTAssertEqual(try render("{{ user.name }} in {{user.address.city}}", ctx), "Ann in Oslo")
    }

    func testMissingNamesRenderEmpty() throws {
        let ctx: TemplateContext = ["user": ["name": "Ann"], "n": nil]
        XCTAssertEqual(try render("[{{ nope }}][{{ user.nope }}][{{ user.name.deeper }}][{{ nope.x }}][{{n}}]", ctx),
                       "[][][][][]")
    }

    func testScalarsRender() throws {
        XCTAssertEqual(try render("{{ i }} {{ t }} {{ f }} {{ neg }}", ["i": 42, "t": true, "f": false, "neg": -7]),
                       "42 true false -7")
    }

    func testArraysAndDictsRenderEmpty() throws {
        XCTAssertEqual(try render("[{{ a }}][{{ d }}]", ["a": [1, 2], "d": ["k": "v"]]), "[][]")
    }

    func testWhitespaceInsideBracesIsOptional() throws {
        XCTAssertEqual(try render("{{x}}{{ x }}{{  x\t}}{{\nx\n}}", ["x": "1"]), "1111")
    }

    func testCommentsAreDropped() throws {
        XCTAssertEqual(try render("a{{! a comment with <b> and {braces} }}b{{!no space}}c"), "abc")
    }

    func testStringInterpolationLiteral() throws {
        let n = 3
        XCTAssertEqual(try render("{{ s }}", ["s": "\(n) codes"]), "3 codes")
    }

    func testTextWithoutTagsAndStrayBraces() throws {
        XCTAssertEqual(try render("plain } text { and }} too"), "plain } text { and }} too")
        XCTAssertEqual(try render(""), "")
    }
}

final class ConditionalTests: XCTestCase {
    /// The truthiness table from the spec: missing, null, false, "", 0, [] and [:] are false.
    func testTruthinessTable() throws {
        let cases: [(String, TemplateValue?, Bool)] = [
            ("missing", nil, false),
            ("null", .null, false),
            ("false", false, false),
            ("true", true, true),
            ("empty string", "", false),
            ("string", "x", true),
            ("space string", " ", true),
            ("zero", 0, false),
            ("int", 1, true),
            ("negative", -1, true),
            ("empty array", [], false),
            ("array", [0], true),
            ("empty dict", .dict([:]), false),
            ("dict", ["k": nil], true),
        ]
        for (label, value, truthy) in cases {
            var ctx: TemplateContext = [:]
            if let value { ctx["v"] = value }
            XCTAssertEqual(try render("{{#if v}}T{{else}}F{{/if}}", ctx), truthy ? "T" : "F", "if: \(label)")
            XCTAssertEqual(try render("{{#if v}}T{{/if}}", ctx), truthy ? "T" : "", "if without else: \(label)")
            XCTAssertEqual(try render("{{#unless v}}U{{/unless}}", ctx), truthy ? "" : "U", "unless: \(label)")
            XCTAssertEqual(try render("{{#unless v}}U{{else}}E{{/unless}}", ctx), truthy ? "E" : "U", "unless/else: \(label)")
        }
    }

    func testDottedCondition() throws {
        XCTAssertEqual(try render("{{#if user.admin}}admin{{else}}user{{/if}}", ["user": ["admin": true]]), "admin")
        XCTAssertEqual(try render("{{#if user.admin}}admin{{else}}user{{/if}}", ["user": ["admin": false]]), "user")
    }

    func testNestedBlocks() throws {
        let src = """
        {{#if a}}A{{#if b}}B{{else}}!B{{#unless c}}!C{{/unless}}{{/if}}{{else}}!A{{/if}}
        """
        XCTAssertEqual(try render(src, ["a": true, "b": true]), "AB")
        XCTAssertEqual(try render(src, ["a": true, "b": false]), "A!B!C")
        XCTAssertEqual(try render(src, ["a": true, "c": 1]), "A!B")
        XCTAssertEqual(try render(src, [:]), "!A")
    }

    /// Templates run as a flat list of steps with jumps: text right after a block's `else`
    /// must stay outside the block, on both paths.
    func testTextAroundBlocksOnEveryPath() throws {
        for (value, shown) in [(true, "<T>"), (false, "<F>")] {
            XCTAssertEqual(try render("<{{#if v}}T{{else}}F{{/if}}>", ["v": .bool(value)]), shown)
            XCTAssertEqual(try render("<{{#unless v}}F{{else}}T{{/unless}}>", ["v": .bool(value)]), shown)
        }
        let each = "<{{#each xs}}{{this}}{{else}}none{{/each}}>"
        XCTAssertEqual(try render(each, ["xs": ["a", "b"]]), "<ab>")
        XCTAssertEqual(try render(each, ["xs": []]), "<none>")
        XCTAssertEqual(try render("{{#if a}}{{/if}}x{{#each xs}}{{/each}}y", ["a": true, "xs": [1, 2]]), "xy")
    }
}

final class EachTests: XCTestCase {
    func testThisAndIndex() throws {
        XCTAssertEqual(try render("{{#each xs}}{{@index}}={{this}};{{/each}}", ["xs": ["a", "<b>", "c"]]),
                       "0=a;1=&lt;b&gt;;2=c;")
        XCTAssertEqual(try render("{{#each xs}}[{{ . }}]{{/each}}", ["xs": [1, 2]]), "[1][2]")
    }

    func testItemFieldsThenOuterScope() throws {
        let ctx: TemplateContext = [
            "title": "T",
            "name": "outer",
            "users": [["name": "Ann"], ["name": "Bob", "title": "Dr"], ["other": 1]],
        ]
        XCTAssertEqual(try render("{{#each users}}{{ title }} {{ name }}|{{/each}}", ctx),
                       "T Ann|Dr Bob|T outer|")
        XCTAssertEqual(try render("{{#each users}}{{ this.name }}|{{/each}}", ctx), "Ann|Bob||",
                       "this.x looks only in the item")
    }

    func testElseWhenEmptyOrMissing() throws {
        let src = "{{#each xs}}<li>{{this}}</li>{{else}}<p>none</p>{{/each}}"
        XCTAssertEqual(try render(src, ["xs": []]), "<p>none</p>")
        XCTAssertEqual(try render(src, [:]), "<p>none</p>")
        XCTAssertEqual(try render(src, ["xs": "not an array"]), "<p>none</p>")
        XCTAssertEqual(try render(src, ["xs": ["x"]]), "<li>x</li>")
        XCTAssertEqual(try render("{{#each xs}}x{{/each}}", ["xs": []]), "")
    }

    func testNestedEachIndexAndScopes() throws {
        let ctx: TemplateContext = [
            "sep": ",",
            "rows": [["label": "r0", "cells": ["a", "b"]], ["label": "r1", "cells": ["c"]]],
        ]
        let src = "{{#each rows}}{{label}}:{{#each cells}}{{@index}}{{this}}{{label}}{{sep}}{{/each}}@{{@index}};{{/each}}"
        XCTAssertEqual(try render(src, ctx), "r0:0ar0,1br0,@0;r1:0cr1,@1;")
    }

    func testIndexOutsideEachIsEmpty() throws {
        XCTAssertEqual(try render("[{{@index}}]"), "[]")
    }

    func testIfInsideEach() throws {
        let ctx: TemplateContext = ["items": [["done": true, "t": "a"], ["done": false, "t": "b"]]]
        XCTAssertEqual(try render("{{#each items}}{{#if done}}✓{{else}}✗{{/if}}{{t}} {{/each}}", ctx), "✓a ✗b ")
    }
}

final class PartialAndLayoutTests: XCTestCase {
    func testPartialUsesCurrentScope() throws {
        let others = ["shared/field_error": "<span class=\"err\">{{ error }}</span>"]
        XCTAssertEqual(try render("<form>{{> shared/field_error }}</form>", ["error": "bad <input>"], others: others),
                       "<form><span class=\"err\">bad &lt;input&gt;</span></form>")
        XCTAssertEqual(try render("{{#each fields}}{{>shared/field_error}}{{/each}}",
                                  ["fields": [["error": "a"], ["error": "b"]]], others: others),
                       "<span class=\"err\">a</span><span class=\"err\">b</span>")
    }

    func testNestedPartials() throws {
        let others = ["a": "A({{> b}})", "b": "B{{#if x}}({{> c}}){{/if}}", "c": "C{{x}}"]
        XCTAssertEqual(try render("{{> a}}|{{> c}}", ["x": 1], others: others), "A(B(C1))|C1")
    }

    func testLayoutWithYieldEscapesBodyOnce() throws {
        let others = ["layouts/application": "<html><title>{{ title }}</title><body>{{ yield }}</body></html>"]
        let html = try render("<p>{{ msg }}</p>", ["title": "A & B", "msg": "<b>&</b>"],
                              others: others, layout: "layouts/application")
        XCTAssertEqual(html, "<html><title>A &amp; B</title><body><p>&lt;b&gt;&amp;&lt;/b&gt;</p></body></html>")
        XCTAssertFalse(html.contains("&amp;lt;"), "body must not be escaped twice")
    }

    func testLayoutYieldInsideBlockAndPageSeesRootContext() throws {
        let others = ["layout": "{{#each navs}}{{this}}{{/each}}{{#if show}}[{{ yield }}]{{/if}}"]
        XCTAssertEqual(try render("{{ show }}-{{ this.show }}", ["navs": ["x"], "show": true], others: others, layout: "layout"),
                       "x[true-true]")
    }

    func testYieldWithoutLayoutRendersNothing() throws {
        XCTAssertEqual(try render("a{{ yield }}b"), "ab")
    }

    func testUnknownTemplateOrLayoutThrows() throws {
        let lib = try TemplateLibrary(sources: ["a": "x"])
        XCTAssertThrowsError(try lib.render("nope", context: [:])) { error in
            XCTAssertTrue("\(error)".contains("nope"))
        }
        XCTAssertThrowsError(try lib.render("a", context: [:], layout: "layouts/missing"))
        XCTAssertEqual(lib.names, ["a"])
    }

    func testRenderBytesMatchesRender() throws {
        let lib = try TemplateLibrary(sources: ["p": "é{{x}}"])
        XCTAssertEqual(try lib.renderBytes("p", context: ["x": "<"]), Array("é&lt;".utf8))
    }

    func testConcurrentRendering() throws {
        let lib = try TemplateLibrary(sources: ["p": "{{#each xs}}{{this}}{{/each}}"])
        let expected = (0..<50).map(String.init).joined()
        let ctx: TemplateContext = ["xs": .array((0..<50).map { .int($0) })]
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            XCTAssertEqual(try? lib.render("p", context: ctx), expected)
        }
    }
}
