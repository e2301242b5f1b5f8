import App
import Foundation
import HTTP
import TestSupport
import XCTest

/// The real `Application` (routes, middleware, controllers, templates) on a temporary
/// SQLite database and outbox, answering through `respond(to:)`: no socket, no server
/// threads, so a controller test costs a function call per request. Stop it in tearDown.
final class InProcessApp {
    let directory: String
    let outboxPath: String
    let app: Application

    init(environment overrides: [String: String] = [:]) throws {
        directory = NSTemporaryDirectory() + "twofa-inproc-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        outboxPath = directory + "/outbox.jsonl"
        var environment = [
            "APP_ENV": "test",
            "APP_ROOT": Repository.root,
            "DATABASE_URL": directory + "/test.sqlite3",
            "SMS_OUTBOX": outboxPath,
            "SECRET_KEY_BASE": String(repeating: "0123456789abcdef", count: 4),
            "PORT": "0",
        ]
        environment.merge(overrides) { _, new in new }
        app = try Application(config: try AppConfig.load(environment: environment))
    }

    func stop() {
        app.database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func browser() -> InProcessBrowser { InProcessBrowser(app: app) }

    /// The PIN in the newest message to `number` in the outbox (texts say "… code is 123456.").
    func lastPIN(to number: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard let text = try? String(contentsOfFile: outboxPath, encoding: .utf8) else { return nil }
        let bodies = text.split(separator: "\n").compactMap { entry -> String? in
            guard let message = (try? JSONSerialization.jsonObject(with: Data(entry.utf8))) as? [String: String] else {
                XCTFail("not a message in the outbox: \(entry)", file: file, line: line)
                return nil
            }
            return message["to"] == number ? message["body"] : nil
        }
        guard let body = bodies.last,
              let range = body.range(of: #"\b[0-9]{4,10}\b"#, options: .regularExpression) else { return nil }
        return String(body[range])
    }
}

/// One visitor of an `InProcessApp`: keeps cookies and the last page like a browser, so
/// forms go back with the CSRF token the page carried. Answers as `TestResponse`, as the
/// socket tests' Browser does.
final class InProcessBrowser {
    let app: Application
    private(set) var cookies: [String: String] = [:]
    private(set) var lastPage: TestResponse?

    init(app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String) throws -> TestResponse {
        try send("GET", path, body: "")
    }

    /// POSTs a form with the authenticity token from the last page (unless `token` is given)
    /// and, when `method` is set, the `_method` field browsers use for other verbs.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], token: String? = nil, method: String? = nil) throws -> TestResponse {
        var all = fields
        if let method { all.append(("_method", method)) }
        if let token = token ?? csrfToken { all.append(("authenticity_token", token)) }
        return try send("POST", path, body: Self.encode(all))
    }

    /// Submits without any authenticity token (the forgery case).
    @discardableResult
    func postWithoutToken(_ path: String, _ fields: [(String, String)]) throws -> TestResponse {
        try send("POST", path, body: Self.encode(fields))
    }

    /// The token in the last page's forms.
    var csrfToken: String? {
        guard let body = lastPage?.body,
              let range = body.range(of: #"name="authenticity_token" value="[^"]+""#, options: .regularExpression) else { return nil }
        return String(body[range]).components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    /// Sends any request as this visitor (its cookies added), e.g. to the JSON API.
    func send(_ method: String, _ path: String, body: String, headers extra: [(String, String)] = []) throws -> TestResponse {
        var headers = HTTPHeaders([("Host", "localhost"), ("User-Agent", "twofa-tests")] + extra)
        if !cookies.isEmpty {
            headers.add("Cookie", cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if method == "POST" { headers.add("Content-Type", "application/x-www-form-urlencoded") }
        let response = try app.respond(to: HTTPRequest(method: method, target: path, headers: headers, body: Array(body.utf8)))
        let answer = TestResponse(status: response.status,
                                  headers: response.headers.map { ($0.name.lowercased(), $0.value) },
                                  body: String(decoding: response.body, as: UTF8.self))
        for header in answer.headers("set-cookie") { store(header) }
        if answer.status != 303 { lastPage = answer }
        return answer
    }

    private func store(_ header: String) {
        let parts = header.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let eq = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
        cookies[name] = parts.contains { $0.lowercased() == "max-age=0" } ? nil : value
    }

    static func encode(_ fields: [(String, String)]) -> String {
        // Letters and digits only; everything else percent-encoded, as browsers do.
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")
        return fields.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}
