/// The routes drawn at one path, one per verb. There are at most four, so finding a request's
/// verb compares it with each (short strings compare as two machine words) rather than hashing
/// it into a dictionary on every request (BENCHMARKS.md, "The write path, ninth pass").
struct RoutesAtPath: Sendable {
    private(set) var routes: [Route] = []

    /// The route drawn for exactly `method` (`Router.choose` answers HEAD with GET's).
    func route(for method: String) -> Route? {
        for route in routes where route.method == method { return route }
        return nil
    }

    var methods: [String] { routes.map(\.method) }

    mutating func add(_ route: Route) {
        precondition(self.route(for: route.method) == nil, "route \(route.method) \(route.path) drawn twice")
        routes.append(route)
    }
}
