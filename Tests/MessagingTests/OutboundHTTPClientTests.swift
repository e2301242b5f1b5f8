import Foundation
import XCTest
@testable import Messaging
import TestSupport

final class OutboundHTTPClientTests: XCTestCase {
    var provider: FakeProvider?
    let logs = LogCapture()

    override func setUp() { super.setUp(); logs.start() }
    override func tearDown() { provider?.stop(); logs.stop(); super.tearDown() }

    private func request(_ fake: FakeProvider) -> OutboundRequest {
        OutboundRequest(url: try! OutboundRequest.url(fake.baseURL, "/thing"), headers: [("X-Test", "1")],
                        body: Array("a=b".utf8), label: "test request")
    }

    func testReturnsClientErrorsToTheCallerAfterOneAttempt() throws {
        let fake = try FakeProvider([FakeProvider.Reply(status: 429, json: "{}"), FakeProvider.Reply(status: 200, json: "{}")])
        provider = fake
        let response = try OutboundHTTPClient(policy: RetryPolicy(initialBackoff: 0.01)).send(request(fake))
        XCTAssertEqual(response.status, 429)
        XCTAssertEqual(fake.requests.count, 1)
        XCTAssertEqual(fake.requests.first?.headers["X-Test"], "1")
        XCTAssertEqual(fake.requests.first?.body, Array("a=b".utf8))
    }

    func testBudgetStopsRetriesThatCouldNotFinishInTime() throws {
        let fake = try FakeProvider([], fallback: FakeProvider.Reply(status: 500, json: "{}"))
        provider = fake
        // The first attempt always runs; a second could take until 0.01 + 2 s > 1.5 s, so it never starts.
        let policy = RetryPolicy(timeout: 2, maxAttempts: 5, initialBackoff: 0.01, totalBudget: 1.5)
        XCTAssertThrowsError(try OutboundHTTPClient(policy: policy).send(request(fake))) { error in
            XCTAssertEqual(error as? DeliveryError, .unavailable(reason: "HTTP 500", attempts: 1))
        }
        XCTAssertEqual(fake.requests.count, 1)
    }

    func testConnectionRefusedIsRetriedThenANetworkError() throws {
        // A port that was just free: nothing listens there any more.
        let closed = try FakeProvider([])
        let url = try OutboundRequest.url(closed.baseURL, "/thing")
        closed.stop()
        let policy = RetryPolicy(timeout: 2, maxAttempts: 2, initialBackoff: 0.01, totalBudget: 10)
        XCTAssertThrowsError(try OutboundHTTPClient(policy: policy).send(OutboundRequest(url: url, label: "refused"))) { error in
            guard case DeliveryError.network(_, let attempts) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(attempts, 2)
        }
        XCTAssertFalse(logs.lines(containingAnyOf: ["refused: attempt 1 of 2 failed"]).isEmpty)
    }

    func testBackoffGrowsAndIsCapped() {
        let policy = RetryPolicy(initialBackoff: 0.25, multiplier: 2, maxBackoff: 0.75)
        XCTAssertEqual([1, 2, 3, 4].map(policy.backoff(after:)), [0.25, 0.5, 0.75, 0.75])
    }

    func testProviderTextMasksNumbersAndKeepsCodes() {
        XCTAssertEqual(ProviderText.scrub("The 'To' number +447700900123 is invalid (21211)"),
                       "The 'To' number +44 ••••••• 123 is invalid (21211)")
        XCTAssertEqual(ProviderText.scrub(String(repeating: "x", count: 300)).count, 201)
    }

    func testFormBodyEscapesEverythingOutsideUnreserved() {
        XCTAssertEqual(String(decoding: FormBody.encode([("To", "+44 77"), ("Body", "a&b=c/é~")]), as: UTF8.self),
                       "To=%2B44%2077&Body=a%26b%3Dc%2F%C3%A9~")
    }
}
