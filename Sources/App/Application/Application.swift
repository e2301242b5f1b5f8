import Database
import Foundation
import HTTP
import Messaging
import Security
import Support
import Templates

/// The wired application: config → database → gateway → PIN service → router.
/// It is the HTTP responder: one `respond` call per request, on a worker thread.
public final class Application: HTTPResponder, @unchecked Sendable {
    public let config: AppConfig
    public let database: Database
    let templates: TemplateLibrary
    let assets: StaticAssets
    let pins: PinService
    let flashKey: [UInt8]
    public let router: Router
    /// Seconds since the epoch; tests substitute their own to expire PINs and sessions.
    let clock: @Sendable () -> Int64

    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Opens the database, applies pending migrations, parses every template and reads
    /// the assets. Any failure here stops start-up with a message naming the cause.
    public init(config: AppConfig, clock: @escaping @Sendable () -> Int64 = Application.systemClock,
                gateway: SMSGateway? = nil) throws {
        self.config = config
        self.clock = clock
        let database = try SQLiteDatabase(path: config.databasePath, readers: max(2, config.workerThreads))
        let applied = try Migrator(directory: config.migrationsDirectory).migrate(database)
        for migration in applied { Log.info("applied migration \(migration.file)") }
        self.database = database
        templates = try TemplateLibrary(directory: config.viewsDirectory)
        assets = try StaticAssets(directory: config.publicDirectory)
        let keys = KeyGenerator(secretKeyBase: config.secretKeyBase)
        flashKey = keys.key(for: "flash")
        pins = PinService(database: database, gateway: try gateway ?? Self.makeGateway(config), key: keys.key(for: "pin"),
                          brandName: config.brandName, lifetime: config.pinExpiry, maxAttempts: config.pinMaxAttempts,
                          resendInterval: config.pinResendInterval)
        router = Routes.draw()
    }

    static func makeGateway(_ config: AppConfig) throws -> SMSGateway {
        // AppConfig.validate has already refused unknown gateway names.
        try OutboxGateway(path: config.smsOutbox)
    }

    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        if request.path.hasPrefix("/assets/"), let asset = assets.respond(to: request) { return asset }

        guard let query = FormURLEncoded.parse(request.query) else {
            return .text("Bad request: the query string is not valid URL encoding\n", status: 400)
        }
        var method = request.method
        var form: [(String, String)] = []
        if method == "POST" {
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            if !request.body.isEmpty && !type.hasPrefix("application/x-www-form-urlencoded") {
                return .text("Unsupported media type: forms are sent as application/x-www-form-urlencoded\n", status: 415)
            }
            guard let pairs = FormURLEncoded.parse(request.body) else {
                return .text("Bad request: the form body is not valid URL encoding\n", status: 400)
            }
            form = pairs
            // Browsers can only POST; `_method` carries the verb the form means (Rails convention).
            if let override = pairs.first(where: { $0.0 == "_method" })?.1.uppercased(),
               ["PATCH", "PUT", "DELETE"].contains(override) {
                method = override
            }
        }

        let context = RequestContext(request: request, method: method, params: Parameters(form: form, query: query), app: self)
        var response: HTTPResponse
        switch router.match(method: method, path: request.path) {
        case .notFound:
            response = try context.render("errors/show", title: "Not found", status: 404,
                                          ["heading": "Page not found", "detail": "There is nothing at this address."])
        case .methodNotAllowed(let allowed):
            response = try context.render("errors/show", title: "Method not allowed", status: 405,
                                          ["heading": "Method not allowed", "detail": "This page does not accept \(method) requests."])
            response.headers.set("Allow", allowed.joined(separator: ", "))
        case .found(let route):
            try context.loadSession()
            if method != "GET" && method != "HEAD" && !context.hasValidCSRFToken() {
                Log.warning("CSRF token missing or invalid for \(method) \(request.path)")
                response = try context.render("errors/show", title: "Forbidden", status: 403, [
                    "heading": "This form has expired",
                    "detail": "For your security the form could not be accepted. Go back, reload the page and try again.",
                ])
            } else {
                do {
                    response = try route.call(context)
                } catch {
                    Log.error("\(route.controller)#\(route.action) failed: \(error)")
                    response = try context.render("errors/show", title: "Something went wrong", status: 500, [
                        "heading": "Something went wrong",
                        "detail": "We could not finish that request. Nothing was lost; please try again.",
                    ])
                }
            }
        }
        context.finish(&response)
        return response
    }

    /// An HTTP server configured from the app's settings, answering with this app.
    public func makeServer() -> HTTPServer {
        var configuration = HTTPServer.Configuration()
        configuration.host = config.host
        configuration.port = config.port
        configuration.workerThreads = config.workerThreads
        return HTTPServer(configuration: configuration, responder: self)
    }
}
