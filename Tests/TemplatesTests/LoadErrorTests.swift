import XCTest
@testable import Templates

final class LoadErrorTests: XCTestCase {
    /// Loads `sources` and asserts the TemplateError points at `file`:`line` with `message` in it.
    private func assertLoadError(_ sources: [String: String], file: String, line: Int, _ message: String,
                                 at testFile: StaticString = #filePath, testLine: UInt = #line) {
        XCTAssertThrowsError(try TemplateLibrary(sources: sources), file: testFile, line: testLine) { error in
            guard let error = error as? TemplateError else {
                return XCTFail("not a TemplateError: \(error)", file: testFile, line: testLine)
            }
            XCTAssertEqual(error.file, file, file: testFile, line: testLine)
            XCTAssertEqual(error.line, line, "\(error)", file: testFile, line: testLine)
            XCTAssertTrue(error.message.contains(message), "\(error)", file: testFile, line: testLine)
            XCTAssertTrue(error.description.hasPrefix("\(file):\(line): "), error.description, file: testFile, line: testLine)
        }
    }

    func testUnclosedIfReportsOpeningLine() {
        assertLoadError(["users/new": "<h1>\n\n{{#if user}}\n<p>\n"], file: "users/new", line: 3, "unclosed {{#if}} opened here")
    }

    func testUnclosedInnerBlockReportsInnermost() {
        assertLoadError(["p": "{{#each xs}}\n{{#unless y}}\n{{/each}}"], file: "p", line: 3, "{{/each}} closes {{#unless}} opened on line 2")
        assertLoadError(["p": "{{#each xs}}\n  {{#if y}}\n"], file: "p", line: 2, "unclosed {{#if}}")
    }

    func testMismatchedClose() {
        assertLoadError(["p": "a\n{{#if x}}\nb\n{{/each}}"], file: "p", line: 4, "{{/each}} closes {{#if}} opened on line 2")
    }

    func testStrayClose() {
        assertLoadError(["p": "a\nb\n{{/if}}"], file: "p", line: 3, "stray {{/if}}")
    }

    func testStrayElse() {
        assertLoadError(["p": "\n{{else}}"], file: "p", line: 2, "stray {{else}}")
        assertLoadError(["p": "{{#if a}}\n{{else}}\n{{ else }}\n{{/if}}"], file: "p", line: 3, "second {{else}}")
    }

    func testOpenWithoutClose() {
        assertLoadError(["p": "ok {{ a }}\nline2 {{ name \n more"], file: "p", line: 2, "'{{' without a closing '}}'")
        assertLoadError(["p": "{{ a \n {{ b }}"], file: "p", line: 1, "without a closing")
    }

    func testEmptyTag() {
        assertLoadError(["p": "x\n\n\n{{ }}"], file: "p", line: 4, "empty tag")
        assertLoadError(["p": "{{}}"], file: "p", line: 1, "empty tag")
    }

    func testUnknownBlockKeyword() {
        assertLoadError(["p": "\n{{#foo bar}}{{/foo}}"], file: "p", line: 2, "unknown block keyword {{#foo}}")
        assertLoadError(["p": "{{/foo}}"], file: "p", line: 1, "unknown closing tag {{/foo}}")
    }

    func testBlockWithoutExpression() {
        assertLoadError(["p": "{{#if}}{{/if}}"], file: "p", line: 1, "{{#if}} needs an expression")
        assertLoadError(["p": "{{raw}}"], file: "p", line: 1, "{{raw}} needs an expression")
    }

    func testExpressionsAreRejected() {
        assertLoadError(["p": "{{ a b }}"], file: "p", line: 1, "invalid expression 'a b'")
        assertLoadError(["p": "{{ f(x) }}"], file: "p", line: 1, "invalid expression")
        assertLoadError(["p": "{{#if a == b}}{{/if}}"], file: "p", line: 1, "invalid expression")
        assertLoadError(["p": "{{ ../x }}"], file: "p", line: 1, "invalid expression")
        assertLoadError(["p": "{{ a..b }}"], file: "p", line: 1, "invalid expression")
        assertLoadError(["p": "{{ @key }}"], file: "p", line: 1, "unknown variable '@key'")
        assertLoadError(["p": "{{{ html }}}"], file: "p", line: 1, "triple braces")
        assertLoadError(["p": "{{#if a}}{{else if b}}{{/if}}"], file: "p", line: 1, "no else-if")
    }

    func testMissingPartial() {
        assertLoadError(["users/new": "<form>\n{{> shared/field_error }}\n</form>"],
                        file: "users/new", line: 2, "missing partial 'shared/field_error'")
    }

    func testMissingPartialInsideBlock() {
        assertLoadError(["p": "{{#if a}}\n{{else}}\n\n{{> nope}}{{/if}}"], file: "p", line: 4, "missing partial 'nope'")
    }

    func testPartialCycle() {
        assertLoadError(["a": "x\n{{> b}}", "b": "{{#if y}}\n\n{{> a}}{{/if}}"], file: "b", line: 3, "partial cycle: a -> b -> a")
        assertLoadError(["self": "{{> self}}"], file: "self", line: 1, "partial cycle: self -> self")
    }

    func testLineCountsIncludeMultilineTagsAndComments() {
        assertLoadError(["p": "{{!\ncomment\n}}\n{{ a\n}}\n{{/if}}"], file: "p", line: 6, "stray {{/if}}")
    }
}
