import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Support

/// One request to a provider's API.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// What the request is for, as logs may show it ("Twilio SMS to +44 ••••••• 000").
    /// Never the body, the full number or a credential.
    public var label: String

    public init(method: String = "POST", url: URL, headers: [(String, String)] = [], body: [UInt8] = [], label: String) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.label = label
    }

    /// `base` + `path`, keeping any path prefix the base URL already has (a proxy, a fake).
    public static func url(_ base: URL, _ path: String) throws -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text + path) else { throw DeliveryError.unsent(reason: "cannot build the request URL") }
        return url
    }
}

public struct OutboundResponse: Sendable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// The body as a JSON object, or nil.
    public var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}

/// Blocking HTTP for provider APIs, over FoundationNetworking's URLSession, with a
/// per-attempt timeout and bounded retries with exponential backoff.
///
/// Retried: 5xx (or whatever `transient` says), timeouts and connection failures; the PIN
/// in a repeated request is the same, so a duplicate text is harmless while a lost one
/// locks the user out. Never retried: 4xx and TLS certificate failures.
///
/// `send` blocks its thread for up to `policy.totalBudget` (+ one timeout's grace). HTTP
/// responders already run on worker threads, where that is fine; never call it from an
/// HTTP event-loop thread or any thread that must stay responsive. (It cannot check:
/// Foundation on Linux does not report thread names, so there is nothing to test against.)
public final class OutboundHTTPClient: @unchecked Sendable {
    public let policy: RetryPolicy
    private let session: URLSession

    public init(policy: RetryPolicy = RetryPolicy()) {
        self.policy = policy
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        // Our own deadline (below) is the real one; URLSession's is a backstop.
        configuration.timeoutIntervalForRequest = policy.timeout + 1
        configuration.timeoutIntervalForResource = policy.timeout + 1
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends `request` until an answer that is not transient or until the policy's bounds
    /// run out. Returns any non-transient answer, 4xx included: interpreting it is the
    /// gateway's job. `transient` returns a reason when the answer means "try again".
    public func send(_ request: OutboundRequest,
                     transient: (OutboundResponse) -> String? = OutboundHTTPClient.serverError) throws -> OutboundResponse {
        try BlockingGuard.check()
        return try policy.run(request.label) { attempt in
            switch perform(request) {
            case .response(let response):
                guard let reason = transient(response) else { return .done(response) }
                return .failed(.unavailable(reason: reason, attempts: attempt), retryable: true)
            case .timedOut:
                return .failed(.timedOut(attempts: attempt), retryable: true)
            case .network(let reason, let permanent):
                return .failed(.network(reason: reason, attempts: attempt), retryable: !permanent)
            }
        }
    }

    /// The default `transient` test: any 5xx.
    public static let serverError: (OutboundResponse) -> String? = { $0.status >= 500 ? "HTTP \($0.status)" : nil }

    private enum Outcome {
        case response(OutboundResponse)
        case timedOut
        case network(reason: String, permanent: Bool)
    }

    /// One attempt, bounded by `policy.timeout` whatever URLSession does: on our deadline
    /// the task is cancelled and its late completion lands in a box nobody reads.
    private func perform(_ request: OutboundRequest) -> Outcome {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalAndRemoteCacheData,
                                    timeoutInterval: policy.timeout + 1)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty || request.method == "POST" { urlRequest.httpBody = Data(request.body) }

        let box = OutcomeBox()
        let task = session.dataTask(with: urlRequest) { data, response, error in
            if let error {
                box.finish(Self.classify(error))
            } else if let http = response as? HTTPURLResponse {
                box.finish(.response(OutboundResponse(status: http.statusCode, body: data.map { Array($0) } ?? [])))
            } else {
                box.finish(.network(reason: "no HTTP response", permanent: false))
            }
        }
        task.resume()
        guard box.done.wait(timeout: .now() + policy.timeout) == .success, let outcome = box.outcome else {
            task.cancel()
            return .timedOut
        }
        return outcome
    }

    /// URLError codes as short words (the error's own text may hold the URL, which for
    /// Twilio holds the account SID).
    private static func classify(_ error: Error) -> Outcome {
        guard let urlError = error as? URLError else { return .network(reason: "transport error", permanent: false) }
        switch urlError.code {
        case .timedOut: return .timedOut
        case .cannotConnectToHost: return .network(reason: "connection refused", permanent: false)
        case .networkConnectionLost: return .network(reason: "connection lost", permanent: false)
        case .cannotFindHost, .dnsLookupFailed: return .network(reason: "host not found", permanent: false)
        case .notConnectedToInternet: return .network(reason: "no network", permanent: false)
        case .secureConnectionFailed: return .network(reason: "TLS handshake failed", permanent: false)
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .network(reason: "TLS certificate not trusted", permanent: true)
        case .badURL, .unsupportedURL: return .network(reason: "bad URL", permanent: true)
        default: return .network(reason: "URLError \(urlError.code.rawValue)", permanent: false)
        }
    }

    /// Written once by URLSession's queue, read by the waiting caller after `done`.
    private final class OutcomeBox: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var stored: Outcome?

        var outcome: Outcome? { lock.lock(); defer { lock.unlock() }; return stored }

        func finish(_ outcome: Outcome) {
            lock.lock(); stored = outcome; lock.unlock()
            done.signal()
        }
    }
}
