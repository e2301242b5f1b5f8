import HTTP

/// Exact-path routing: a dictionary lookup per request. The few paths with a `{parameter}`
/// segment (the Twilio face's `/v2/Services/{ServiceSid}`…) are tried only when no exact path
/// matches, one pattern after the other (`PathPattern`).
public struct Router: Sendable {
    public private(set) var routes: [Route] = []
    private var table: [String: RoutesAtPath] = [:]
    private var patterns: [(pattern: PathPattern, routes: RoutesAtPath)] = []

    public init() {}

    public enum Match {
        case found(Route)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        Self.choose(method, from: routes(at: path))
    }

    /// The routes drawn at `path`: one dictionary lookup, then `choose` by verb (again when
    /// `_method` changes it, without looking the path up twice).
    func routes(at path: String) -> RoutesAtPath? {
        if let exact = table[path] { return exact }
        return patterns.first { $0.pattern.matches(path) }?.routes
    }

    static func choose(_ method: String, from routes: RoutesAtPath?) -> Match {
        guard let routes else { return .notFound }
        if let route = routes.route(for: method == "HEAD" ? "GET" : method) { return .found(route) }
        var allowed = Set(routes.methods)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allowed: allowed.sorted())
    }

    /// Draws `method path` → `C#action`: the gate runs first, and the action gets what it established.
    mutating func add<C: Controller, Passed>(_ method: String, _ path: String, _ controller: C.Type, _ action: C.Action,
                                             gate: Gate<Passed>, hashesPassword: Bool = false,
                                             _ body: @escaping @Sendable (C, Passed) throws -> HTTPResponse) {
        let admit = gate.admit
        draw(method, path, controller, action, gate: gate, quick: false, hashesPassword: hashesPassword) { context in
            switch try admit(context) {
            case .answered(let early): return early
            case .admitted(let passed): return try body(C(context), passed)
            }
        }
    }

    /// Draws a quick page, `GET path` → `C.action`, which the event loop tries itself. The action
    /// is a static function of the gate's read-only value (`SignedIn.ReadOnly`…): it holds no
    /// controller and no `RequestContext`, so it cannot reach a write, a bcrypt or the Verify
    /// engine (see `ReadOnlyContext`).
    mutating func page<C: Controller, Passed: HasReadOnlyForm>(_ path: String, _ controller: C.Type, _ action: C.Action,
                                                               gate: Gate<Passed>,
                                                               _ body: @escaping @Sendable (Passed.ReadOnly) throws -> HTTPResponse) {
        let admit = gate.admit
        draw("GET", path, controller, action, gate: gate, quick: true, hashesPassword: false) { context in
            switch try admit(context) {
            case .answered(let early): return early
            case .admitted(let passed): return try body(passed.readOnly)
            }
        }
    }

    private mutating func draw<C: Controller, Passed>(_ method: String, _ path: String, _ controller: C.Type, _ action: C.Action,
                                                      gate: Gate<Passed>, quick: Bool, hashesPassword: Bool,
                                                      handler: @escaping @Sendable (RequestContext) throws -> HTTPResponse) {
        let route = Route(method: method, path: path, controller: C.name, action: action.rawValue,
                          checks: gate.names, usesBrowserSession: C.usesBrowserSession, readsOwnBody: C.readsOwnBody,
                          quick: quick, hashesPassword: hashesPassword, handler: handler)
        routes.append(route)
        if let pattern = PathPattern(path) {
            if let i = patterns.firstIndex(where: { $0.pattern.text == path }) {
                patterns[i].routes.add(route)
            } else {
                var routes = RoutesAtPath()
                routes.add(route)
                patterns.append((pattern, routes))
            }
        } else {
            table[path, default: RoutesAtPath()].add(route)
        }
    }

    mutating func get<C: Controller, P>(_ path: String, _ c: C.Type, _ action: C.Action, gate: Gate<P>,
                                        _ body: @escaping @Sendable (C, P) throws -> HTTPResponse) {
        add("GET", path, c, action, gate: gate, body)
    }
    mutating func post<C: Controller, P>(_ path: String, _ c: C.Type, _ action: C.Action, gate: Gate<P>,
                                         hashesPassword: Bool = false,
                                         _ body: @escaping @Sendable (C, P) throws -> HTTPResponse) {
        add("POST", path, c, action, gate: gate, hashesPassword: hashesPassword, body)
    }
    mutating func patch<C: Controller, P>(_ path: String, _ c: C.Type, _ action: C.Action, gate: Gate<P>,
                                          _ body: @escaping @Sendable (C, P) throws -> HTTPResponse) {
        add("PATCH", path, c, action, gate: gate, body)
    }
    mutating func delete<C: Controller, P>(_ path: String, _ c: C.Type, _ action: C.Action, gate: Gate<P>,
                                           _ body: @escaping @Sendable (C, P) throws -> HTTPResponse) {
        add("DELETE", path, c, action, gate: gate, body)
    }

    /// The `twofa routes` table, like `rails routes`.
    public func description() -> String {
        let rows = routes.map { r in
            [r.method, r.path, "\(r.controller)#\(r.action)", r.checks.joined(separator: ", ")]
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
