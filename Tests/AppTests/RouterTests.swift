@testable import App
import XCTest

final class RouterTests: XCTestCase {
    let router = Routes.draw()

    func testResourceRoutes() {
        for (method, path, action) in [("GET", "/", "pages#index"), ("GET", "/user/new", "users#new"), ("POST", "/user", "users#create"),
                                       ("GET", "/user/edit", "users#edit"), ("PATCH", "/user", "users#update"),
                                       ("GET", "/session/new", "sessions#new"), ("POST", "/session", "sessions#create"),
                                       ("DELETE", "/session", "sessions#destroy"), ("GET", "/verification/new", "verifications#new"),
                                       ("POST", "/verification", "verifications#create")] {
            guard case .found(let route) = router.match(method: method, path: path) else {
                return XCTFail("\(method) \(path) not routed")
            }
            XCTAssertEqual("\(route.controller)#\(route.action)", action)
        }
    }

    func testPathsWithASegmentParameter() {
        let id = "0123456789abcdef0123456789abcdef"
        for (method, path, action) in [("POST", "/v2/verify", "verify_v2#start"), ("POST", "/v2/verify/\(id)", "verify_v2#check"),
                                       ("DELETE", "/v2/verify/\(id)", "verify_v2#cancel"),
                                       ("POST", "/v2/verify/\(id)/next_workflow", "verify_v2#next_workflow")] {
            guard case .found(let route) = router.match(method: method, path: path) else { return XCTFail("\(method) \(path) not routed") }
            XCTAssertEqual("\(route.controller)#\(route.action)", action)
            XCTAssertTrue(route.readsOwnBody, "the v2 actions parse their nested JSON themselves")
        }
        guard case .methodNotAllowed(let allowed) = router.match(method: "GET", path: "/v2/verify/\(id)") else {
            return XCTFail("GET on a v2 request should be 405")
        }
        XCTAssertEqual(allowed, ["DELETE", "POST"])
        for path in ["/v2/verify/", "/v2/verify/\(id)/other", "/v2/verify/\(id)/next_workflow/x", "/v2/verify//next_workflow"] {
            guard case .notFound = router.match(method: "POST", path: path) else { return XCTFail("\(path) should be 404") }
        }
        guard case .found(let exact) = router.match(method: "POST", path: "/verify/json") else { return XCTFail("/verify/json") }
        XCTAssertFalse(exact.readsOwnBody)
    }

    func testHeadFollowsGetAndWrongVerbsListAllowed() {
        guard case .found = router.match(method: "HEAD", path: "/") else { return XCTFail("HEAD /") }
        guard case .methodNotAllowed(let allowed) = router.match(method: "GET", path: "/session") else {
            return XCTFail("GET /session should be 405")
        }
        XCTAssertEqual(allowed, ["DELETE", "POST"])
        guard case .notFound = router.match(method: "GET", path: "/admin") else { return XCTFail("404 expected") }
    }

    func testFiltersGuardProtectedActionsInOrder() {
        func filters(_ m: String, _ p: String) -> [String] {
            if case .found(let r) = router.match(method: m, path: p) { return r.checks }
            return ["unrouted"]
        }
        XCTAssertEqual(filters("GET", "/"), ["requireLogin", "requireSecondFactor"])
        XCTAssertEqual(filters("GET", "/user/edit"), ["requireLogin", "requireSecondFactor"])
        XCTAssertEqual(filters("PATCH", "/user"), ["requireLogin", "requireSecondFactor"])
        XCTAssertEqual(filters("POST", "/user"), ["redirectIfVerified"])
        XCTAssertEqual(filters("POST", "/verification"), ["requireLogin", "redirectIfVerified", "redirectIfNumberReset"])
    }

    func testPathParametersMatchOneSegmentAfterExactPaths() {
        let sid = "VA" + String(repeating: "a", count: 32)
        func action(_ m: String, _ p: String) -> String? {
            guard case .found(let route) = router.match(method: m, path: p) else { return nil }
            return "\(route.controller)#\(route.action)"
        }
        XCTAssertEqual(action("GET", "/v2/Services"), "twilio_verify#listServices")
        XCTAssertEqual(action("GET", "/v2/Services/\(sid)"), "twilio_verify#showService")
        XCTAssertEqual(action("DELETE", "/v2/Services/\(sid)"), "twilio_verify#deleteService")
        XCTAssertEqual(action("POST", "/v2/Services/\(sid)/Verifications/VE1"), "twilio_verify#updateVerification")
        XCTAssertEqual(action("POST", "/v2/Services/\(sid)/VerificationCheck"), "twilio_verify#createVerificationCheck")
        XCTAssertNil(action("GET", "/v2/Services/"), "an empty segment is no sid")
        XCTAssertNil(action("GET", "/v2/Services/\(sid)/extra/more"))
        guard case .methodNotAllowed(let allowed) = router.match(method: "PUT", path: "/v2/Services/\(sid)") else {
            return XCTFail("PUT on a service should be 405")
        }
        XCTAssertEqual(allowed, ["DELETE", "GET", "HEAD", "POST"])
        let pattern = PathPattern("/v2/Services/{ServiceSid}/Verifications/{Sid}")
        XCTAssertEqual(pattern?.parameters(in: "/v2/Services/VA1/Verifications/VE2"), ["ServiceSid": "VA1", "Sid": "VE2"])
        XCTAssertNil(PathPattern("/verify/json"), "a plain path stays an exact lookup")
    }
}
