import Database
import HTTP
import Templates

/// What a quick action can reach: the request, its parameters, settings, database reads and
/// the page renderer, and nothing that writes, hashes a password or sends a code.
///
/// Quick actions run on an event loop, where a write or a bcrypt must never wait. They take
/// this (inside `Guest.ReadOnly` or `SignedIn.ReadOnly`) instead of a `RequestContext`, and
/// are static, so they hold no controller whose context could reach `Application`: the
/// compiler checks what they do. A write statement run inside `read` is refused by the
/// database itself: readers are read-only connections on both engines. `BlockingGuard` stays
/// as the runtime net for the middleware in front of quick pages (an expired session is
/// deleted, the last-seen time written once a minute) and for a read that would have to wait
/// for a connection.
struct ReadOnlyContext {
    private let context: RequestContext

    init(_ context: RequestContext) { self.context = context }

    var request: HTTPRequest { context.request }
    var params: Parameters { context.params }
    var now: Int64 { context.now }
    var config: AppConfig { context.app.config }
    /// `/assets/<name>?v=<hash>` for a file under public/ (a page's script).
    func assetPath(_ name: String) -> String { context.app.assets.path(of: name) }
    /// The request's cookie `name` (under its `__Host-` name when secure; see RequestContext).
    func cookie(_ name: String) -> String? { context.cookie(name) }

    func read<T>(_ body: (DatabaseConnection) throws -> T) throws -> T {
        try context.app.database.read(body)
    }

    func render(_ template: String, title: String, status: Int = 200,
                _ locals: TemplateContext = [:]) throws -> HTTPResponse {
        try context.render(template, title: title, status: status, locals)
    }

    func redirect(to location: String) -> HTTPResponse { context.redirect(to: location) }
}

extension RequestContext {
    /// This request's read-only side: what a page shared by quick and writing actions takes.
    var readOnly: ReadOnlyContext { ReadOnlyContext(self) }
}

/// A gate's value that has a read-only form, for the quick pages drawn behind that gate.
protocol HasReadOnlyForm {
    associatedtype ReadOnly
    var readOnly: ReadOnly { get }
}
