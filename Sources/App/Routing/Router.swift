import HTTP

/// Exact-path routing (our routes have no parameters): a dictionary lookup per request.
public struct Router: Sendable {
    public private(set) var routes: [Route] = []
    private var table: [String: [String: Route]] = [:]

    public init() {}

    public enum Match {
        case found(Route)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        guard let byMethod = table[path] else { return .notFound }
        let lookup = method == "HEAD" ? "GET" : method
        if let route = byMethod[lookup] { return .found(route) }
        var allowed = Set(byMethod.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allowed: allowed.sorted())
    }

    public mutating func add<C: Controller>(_ method: String, _ path: String, _ controller: C.Type, _ action: String,
                                            quick: Bool = false, hashesPassword: Bool = false,
                                            _ body: @escaping @Sendable (C) throws -> HTTPResponse) {
        precondition(table[path]?[method] == nil, "route \(method) \(path) drawn twice")
        let route = Route(method: method, path: path, controller: C.name, action: action,
                          filters: C.filters(for: action), usesBrowserSession: C.usesBrowserSession,
                          quick: quick, hashesPassword: hashesPassword, handler: { context in try body(C(context)) })
        routes.append(route)
        table[path, default: [:]][method] = route
    }

    public mutating func get<C: Controller>(_ path: String, _ c: C.Type, _ action: String, quick: Bool = false,
                                            _ body: @escaping @Sendable (C) throws -> HTTPResponse) {
        add("GET", path, c, action, quick: quick, body)
    }
    public mutating func post<C: Controller>(_ path: String, _ c: C.Type, _ action: String, quick: Bool = false,
                                             hashesPassword: Bool = false,
                                             _ body: @escaping @Sendable (C) throws -> HTTPResponse) {
        add("POST", path, c, action, quick: quick, hashesPassword: hashesPassword, body)
    }
    public mutating func patch<C: Controller>(_ path: String, _ c: C.Type, _ action: String,
                                              _ body: @escaping @Sendable (C) throws -> HTTPResponse) {
        add("PATCH", path, c, action, body)
    }
    public mutating func delete<C: Controller>(_ path: String, _ c: C.Type, _ action: String,
                                               _ body: @escaping @Sendable (C) throws -> HTTPResponse) {
        add("DELETE", path, c, action, body)
    }

    /// The `twofa routes` table, like `rails routes`.
    public func description() -> String {
        let rows = routes.map { r in
            [r.method, r.path, "\(r.controller)#\(r.action)", r.filters.map(\.name).joined(separator: ", ")]
        }
        let header = ["Verb", "URI Pattern", "Controller#Action", "Before actions"]
        let widths = (0..<4).map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 3 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
