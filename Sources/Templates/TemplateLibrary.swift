import Foundation

/// All templates of the app, parsed and partial-resolved once at start-up.
/// Immutable after init, so one instance is shared by every worker thread.
public final class TemplateLibrary: Sendable {
    private let templates: [String: TemplateProgram]
    /// Template names, sorted: "users/new", "layouts/application", …
    public let names: [String]

    /// Parses every `*.html` file under `directory` (recursively). Names are paths
    /// relative to it without the extension; error locations use `directory/relative.html`.
    public convenience init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError(file: directory, line: 0, message: "template directory not found")
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var sources: [String: (file: String, source: String)] = [:]
        // The enumerator does not step into a symlinked folder, and deployments often link
        // Views/ from a shared place: walk the resolved path, report the path as given.
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let relativePaths = (FileManager.default.enumerator(atPath: resolved)?.allObjects as? [String]) ?? []
        for relative in relativePaths where relative.hasSuffix(".html") {
            let file = base + "/" + relative
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TemplateError(file: file, line: 0, message: "cannot read file")
            }
            guard let source = String(data: data, encoding: .utf8) else {
                throw TemplateError(file: file, line: 0, message: "not valid UTF-8")
            }
            sources[String(relative.dropLast(".html".count))] = (file, source)
        }
        try self.init(files: sources)
    }

    /// Name → source, for tests. Error locations use the name as the file.
    public convenience init(sources: [String: String]) throws {
        try self.init(files: Dictionary(uniqueKeysWithValues: sources.map { ($0.key, (file: $0.key, source: $0.value)) }))
    }

    private init(files: [String: (file: String, source: String)]) throws {
        // Sorted so that, with several broken files, the same error is reported every run.
        let sortedNames = files.keys.sorted()
        var parsed: [String: PartialResolver.Parsed] = [:]
        for name in sortedNames {
            let (file, source) = files[name]!
            parsed[name] = PartialResolver.Parsed(file: file, nodes: try TemplateParser.parse(source, file: file))
        }
        var resolver = PartialResolver(parsed: parsed)
        var templates: [String: TemplateProgram] = [:]
        for name in sortedNames {
            templates[name] = TemplateProgram(try resolver.resolve(name))
        }
        self.templates = templates
        self.names = sortedNames
    }

    /// Renders `name` with `context`. With `layout`, renders the layout instead and
    /// puts the page where the layout says `{{ yield }}`.
    /// Throws only for an unknown template name (a programming error in the caller).
    public func render(_ name: String, context: TemplateContext, layout: String? = nil) throws -> String {
        String(decoding: try renderBytes(name, context: context, layout: layout), as: UTF8.self)
    }

    /// Same as `render`, as UTF-8 bytes, for writing straight into a response body.
    public func renderBytes(_ name: String, context: TemplateContext, layout: String? = nil) throws -> [UInt8] {
        let page = try template(name)
        let outer = try layout.map { try template($0) }
        let capacity = page.staticSize + (outer?.staticSize ?? 0) + 1024
        var renderer = TemplateRenderer(context: context, page: outer == nil ? nil : page, capacity: capacity)
        renderer.run(outer ?? page)
        return renderer.out
    }

    /// The HTML escaper used for `{{ expr }}`: & < > " ' ` become entities.
    public static func escape(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        HTMLEscape.append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func template(_ name: String) throws -> TemplateProgram {
        guard let template = templates[name] else {
            throw TemplateError(file: name, line: 0, message: "no template named '\(name)'")
        }
        return template
    }
}
