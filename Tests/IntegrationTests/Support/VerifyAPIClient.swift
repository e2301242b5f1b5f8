import App
import Foundation
import XCTest
import TestSupport

/// Calls the Verify JSON API over real HTTP as an SDK would: form or JSON bodies,
/// credentials in the body or as HTTP Basic. Answers are decoded JSON objects.
struct VerifyAPIClient {
    enum Encoding { case form, json, query }
    enum Credentials { case body, basic, none }

    /// The instance it calls; a test of several instances points it at another one.
    var port: Int
    let apiKey: String
    let apiSecret: String
    var encoding: Encoding = .form
    var credentials: Credentials = .body

    /// A fresh key for `server`, made the way `twofa api-keys create` makes one.
    static func create(on server: TestServer, name: String = "test app") throws -> VerifyAPIClient {
        let (key, secret) = try APIKeyCommands.create(server.app.config, name: name)
        return VerifyAPIClient(port: server.port, apiKey: key, apiSecret: secret)
    }

    @discardableResult
    func call(_ path: String, _ fields: [(String, String)], method: String = "POST") throws -> [String: Any] {
        let response = try raw(path, fields, method: method)
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertEqual(response.header("content-type"), "application/json")
        XCTAssertNil(response.header("set-cookie"), "the API never sets cookies")
        return try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any], response.body)
    }

    func raw(_ path: String, _ fields: [(String, String)], method: String = "POST") throws -> TestResponse {
        var all = fields
        var headers: [(String, String)] = []
        switch credentials {
        case .body: all = [("api_key", apiKey), ("api_secret", apiSecret)] + fields
        case .basic: headers.append(("Authorization", "Basic " + Data("\(apiKey):\(apiSecret)".utf8).base64EncodedString()))
        case .none: break
        }
        if method == "GET" || encoding == .query {
            return try HTTPClient.request(port: port, method: method, path: path + "?" + Browser.encode(all), headers: headers)
        }
        switch encoding {
        case .json:
            var object: [String: Any] = [:]
            for (k, v) in all {
                if k == "request_ids" { object[k, default: [String]()] = (object[k] as? [String] ?? []) + [v] } else { object[k] = v }
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            return try HTTPClient.request(port: port, method: method, path: path,
                                          headers: headers + [("Content-Type", "application/json")], body: body)
        default:
            return try HTTPClient.request(port: port, method: method, path: path,
                                          headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
                                          body: Browser.encode(all))
        }
    }

    // The four calls, answering the decoded object.
    func request(_ number: String, brand: String = "AcmeApp", _ extra: [(String, String)] = []) throws -> [String: Any] {
        try call("/verify/json", [("number", number), ("brand", brand)] + extra)
    }
    func check(_ id: String, _ code: String) throws -> [String: Any] {
        try call("/verify/check/json", [("request_id", id), ("code", code)])
    }
    func search(_ id: String) throws -> [String: Any] {
        try call("/verify/search/json", [("request_id", id)])
    }
    func control(_ id: String, _ cmd: String) throws -> [String: Any] {
        try call("/verify/control/json", [("request_id", id), ("cmd", cmd)])
    }
}
