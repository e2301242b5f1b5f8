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
}
