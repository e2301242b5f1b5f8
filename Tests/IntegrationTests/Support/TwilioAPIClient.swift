import App
import Foundation
import XCTest
import TestSupport

/// Calls the Twilio Verify v2 face over real HTTP as Twilio's SDKs do: form bodies, HTTP Basic
/// with the account SID and auth token. Answers are the HTTP status and the decoded JSON.
struct TwilioAPIClient {
    let port: Int
    let accountSID: String
    let authToken: String

    /// A fresh account for `server`, made the way `twofa api-keys create NAME --twilio` makes one.
    static func create(on server: TestServer, name: String = "twilio app") throws -> TwilioAPIClient {
        let (sid, token) = try APIKeyCommands.create(server.app.config, name: name, twilio: true)
        return TwilioAPIClient(port: server.port, accountSID: sid, authToken: token)
    }

    struct Answer {
        let status: Int
        let json: [String: Any]
        var code: Int? { json["code"] as? Int }
        subscript(_ key: String) -> Any? { json[key] }
        var string: (String) -> String? { { json[$0] as? String } }
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ fields: [(String, String)] = [],
              credentials: (String, String)? = nil) throws -> Answer {
        let (user, password) = credentials ?? (accountSID, authToken)
        var headers = [("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())]
        let response: TestResponse
        if method == "GET" || method == "DELETE" {
            let query = fields.isEmpty ? "" : "?" + Browser.encode(fields)
            response = try HTTPClient.request(port: port, method: method, path: path + query, headers: headers)
        } else {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            response = try HTTPClient.request(port: port, method: method, path: path, headers: headers, body: Browser.encode(fields))
        }
        XCTAssertNil(response.header("set-cookie"), "the API never sets cookies")
        if response.status == 204 { return Answer(status: 204, json: [:]) }
        XCTAssertEqual(response.header("content-type"), "application/json", response.body)
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
        return Answer(status: response.status, json: try XCTUnwrap(json, response.body))
    }

    func createService(_ fields: [(String, String)] = [("FriendlyName", "AcmeApp")]) throws -> String {
        let created = try call("POST", "/v2/Services", fields)
        XCTAssertEqual(created.status, 201, "\(created.json)")
        return try XCTUnwrap(created.string("sid"))
    }

    func start(_ service: String, to: String, channel: String = "sms", _ extra: [(String, String)] = []) throws -> Answer {
        try call("POST", "/v2/Services/\(service)/Verifications", [("To", to), ("Channel", channel)] + extra)
    }

    func check(_ service: String, code: String, to: String? = nil, sid: String? = nil) throws -> Answer {
        var fields = [("Code", code)]
        if let to { fields.append(("To", to)) }
        if let sid { fields.append(("VerificationSid", sid)) }
        return try call("POST", "/v2/Services/\(service)/VerificationCheck", fields)
    }
}
