import XCTest
@testable import Templates

final class DirectoryLoadingTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "twofa-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func write(_ relative: String, _ contents: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testLoadsSubfoldersAndRendersWithLayout() throws {
        try write("layouts/application.html", "<main>{{ yield }}</main>")
        try write("users/new.html", "<h1>{{ title }}</h1>{{> shared/field_error }}")
        try write("shared/field_error.html", "{{#if error}}<em>{{ error }}</em>{{/if}}")
        try write("shared/deep/nested/x.html", "x")
        try write("README.md", "{{ not a template }}")
        try write("users/notes.txt", "{{#broken")

        let lib = try TemplateLibrary(directory: root)
        XCTAssertEqual(lib.names, ["layouts/application", "shared/deep/nested/x", "shared/field_error", "users/new"])
        XCTAssertEqual(try lib.render("users/new", context: ["title": "Sign up", "error": "taken"], layout: "layouts/application"),
                       "<main><h1>Sign up</h1><em>taken</em></main>")
    }

    func testFollowsASymlinkedTemplateDirectory() throws {
        try write("real/pages/index.html", "<p>{{ greeting }}</p>")
        let link = root + "/Views"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root + "/real")
        let lib = try TemplateLibrary(directory: link)
        XCTAssertEqual(lib.names, ["pages/index"])
        XCTAssertEqual(try lib.render("pages/index", context: ["greeting": "hi"]), "<p>hi</p>")
    }

    func testErrorNamesTheFileUnderTheDirectory() throws {
        try write("users/new.html", "ok\n\n{{#if x}}\n")
        XCTAssertThrowsError(try TemplateLibrary(directory: root)) { error in
            let error = error as? TemplateError
            XCTAssertEqual(error?.file, root + "/users/new.html")
            XCTAssertEqual(error?.line, 3)
            XCTAssertEqual(error?.description, root + "/users/new.html:3: unclosed {{#if}} opened here")
        }
    }

    func testMissingPartialFailsLoad() throws {
        try write("users/new.html", "<form>\n{{> shared/field_error }}</form>")
        XCTAssertThrowsError(try TemplateLibrary(directory: root + "/")) { error in
            let error = error as? TemplateError
            XCTAssertEqual(error?.file, root + "/users/new.html")
            XCTAssertEqual(error?.line, 2)
            XCTAssertEqual(error?.message, "missing partial 'shared/field_error'")
        }
    }

    func testMissingDirectoryFails() {
        XCTAssertThrowsError(try TemplateLibrary(directory: root + "/does-not-exist"))
    }
}
