import Foundation
import Glibc

/// Counters for `GET /metrics` (Prometheus text format 0.0.4), one instance per Application.
///
/// The request counters sit on the hot path, so they are striped: each worker thread
/// lands on one of `stripeCount` shards by its thread id, each shard with its own lock
/// and tables; a scrape adds the shards up. Two requests only share a lock when their
/// threads hash to the same shard — no global lock per request.
/// The rare event counters (PINs, throttles) share one lock.
///
/// Hooks for other parts of the app (e.g. the Verify engine):
///     app.metrics.pinSent(channel: "sms")
///     app.metrics.pinVerified(channel: "sms")
///     app.metrics.pinFailed(channel: "voice")
///     app.metrics.loginThrottled()
public final class Metrics: @unchecked Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    static let stripeCount = 8

    private struct RequestKey: Hashable { let route: String; let status: Int }

    /// One route's requests in one shard: counts by status and the latency histogram, found
    /// with one lookup by route per request (a second table keyed by route and status hashed
    /// the route twice a request).
    private final class RouteStats {
        /// A route answers with a handful of statuses: a short list, scanned.
        var statuses: [(status: Int, count: Int)] = []
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)   // per bucket, not cumulative
        var total = 0
        var sum = 0.0

        func count(of status: Int) -> Int { statuses.first { $0.status == status }?.count ?? 0 }
    }

    private final class Shard {
        let lock = NSLock()
        var routes: [String: RouteStats] = [:]
    }

    private let shards = (0..<Metrics.stripeCount).map { _ in Shard() }

    private let eventLock = NSLock()
    private var events: [String: Int] = [:]   // "name\u{1F}channel" → count

    /// Open HTTP connections right now (set when the server is made).
    var openConnections: @Sendable () -> Int = { 0 }
    /// Connections the HTTP layer refused, by reason (set when the server is made).
    var refusedConnections: @Sendable () -> [(String, Int)] = { [] }
    /// The application's clock (set by Application), for the brake gauge's hour.
    var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    /// The UTC hour (hours since 1970) in which the brake last refused a send; guarded by eventLock.
    private var brakeHour: Int64 = -1

    public init() {}

    // MARK: Recording

    /// One finished request: `route` is `controller#action` (or a fixed word such as
    /// `not_found`), never the raw path, so the label set stays small whatever people send.
    public func observeRequest(route: String, status: Int, seconds: Double) {
        let shard = shards[Self.stripe()]
        let bucket = Self.buckets.firstIndex { seconds <= $0 }
        shard.lock.lock()
        let stats: RouteStats
        if let existing = shard.routes[route] { stats = existing } else {
            stats = RouteStats()
            shard.routes[route] = stats
        }
        if let i = stats.statuses.firstIndex(where: { $0.status == status }) {
            stats.statuses[i].count += 1
        } else {
            stats.statuses.append((status, 1))
        }
        if let bucket { stats.counts[bucket] += 1 }
        stats.total += 1
        stats.sum += seconds
        shard.lock.unlock()
    }

    public func pinSent(channel: String) { count("pins_sent", channel) }
    public func pinVerified(channel: String) { count("pins_verified", channel) }
    public func pinFailed(channel: String) { count("pins_failed", channel) }
    /// A password attempt refused by the regulation (ban or lock).
    public func loginThrottled() { count("login_throttled", "") }
    /// Something refused by a hardening check (issue 13), by a fixed `reason` word.
    public func refused(_ reason: String) { count("refusals", reason) }
    /// A browser with a device cookie let past the account's ban or lock (strangers' doing).
    public func deviceLoginPastBan() { count("device_login_past_ban", "") }
    /// A browser with a device cookie refused by the device's own limit.
    public func deviceLoginLimited() { count("device_login_limited", "") }
    /// A start or trigger refused by a sending limit (`reason`: country, throttled, quota, brake).
    public func sendRefused(reason: String) { count("verify_sends_refused", reason) }
    /// An event the scheduler did not send because a limit was reached (the request runs out).
    public func scheduledSkipped(reason: String) { count("verify_scheduled_skipped", reason) }
    /// The site-wide brake refused a send in UTC hour `hour`; true the first time this hour
    /// (the brake has just engaged: worth one log line, not one per request).
    public func brakeRefused(hour: Int64) -> Bool {
        eventLock.lock(); defer { eventLock.unlock() }
        defer { brakeHour = hour }
        return brakeHour != hour
    }
    /// A sign-up refused because its client address reached SIGNUP_MAX_PER_IP.
    public func signUpThrottled() { count("signup_throttled", "") }
    /// A number's owner told by SMS that someone tried to sign up with it.
    public func signUpNoticeSent() { count("signup_notices", "") }
    /// A step of "Forgot your password?" (`outcome`: requested, unsent, code_accepted, code_failed,
    /// refused, throttled, reset, held, cancelled).
    public func passwordReset(_ outcome: String) { count("password_resets", outcome) }
    /// The "Lost your phone?" page, by the advice it gave (`recovery_code`, `app`, `operator`).
    public func lostPhoneHelpShown(advice: String) { count("lost_phone_help_shown", advice) }
    /// A login that proved a number after an operator's second-factor reset.
    public func numberSetAfterReset() { count("numbers_set_after_reset", "") }

    /// Issue 14: accounts deleted from the web, and data downloads.
    public func accountDeleted() { count("accounts_deleted", "") }
    public func dataDownloaded() { count("data_downloads", "") }
    /// Rows the retention pruner removed from `table`.
    public func pruned(table: String, rows: Int) { count("pruned_rows", table, by: rows) }
    /// A password reset or passwordless request over the per-address limit (UntoldRequestLimit), by `flow`.
    public func untoldRequestThrottled(_ flow: String) { count("untold_requests_throttled", flow) }
    /// Issue 16: e-mail addresses confirmed, removed, fallback turned on/off (`outcome`).
    public func emailAddressChanged(_ outcome: String) { count("email_addresses", outcome) }

    /// A Verify API callback attempt: `delivered`, `failed` (retried later) or `given_up`.
    public func webhookDelivery(_ outcome: String) { count("webhook_deliveries", outcome) }

    /// Issue 17: a passkey ceremony that went through (`outcome`: registered, second_factor,
    /// login_two_factors, login_one_factor, clone_warned), and one refused, by `reason`
    /// (a `WebAuthnError.Kind`, or no_challenge, unknown_credential, wrong_account, duplicate, clone).
    public func passkey(_ outcome: String) { count("passkeys", outcome) }
    public func passkeyRefused(_ reason: String) { count("passkeys_refused", reason) }

    private func count(_ name: String, _ channel: String, by n: Int = 1) {
        eventLock.lock()
        events[name + "\u{1F}" + channel, default: 0] += n
        eventLock.unlock()
    }

    /// The shard of the calling thread. Worker threads are long-lived, so each keeps its shard.
    private static func stripe() -> Int {
        let id = UInt64(pthread_self())   // pthread_t is an integer on Linux
        return Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 61) % stripeCount
    }

    // MARK: Reading

    /// Requests counted so far for one route and status (for tests and the CLI).
    public func requestCount(route: String, status: Int) -> Int {
        var total = 0
        for shard in shards {
            shard.lock.lock()
            total += shard.routes[route]?.count(of: status) ?? 0
            shard.lock.unlock()
        }
        return total
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        var requests: [RequestKey: Int] = [:]
        var latency: [String: (counts: [Int], total: Int, sum: Double)] = [:]
        for shard in shards {
            shard.lock.lock()
            for (route, h) in shard.routes {
                for (status, n) in h.statuses { requests[RequestKey(route: route, status: status), default: 0] += n }
                var merged = latency[route] ?? ([Int](repeating: 0, count: Self.buckets.count), 0, 0)
                for i in h.counts.indices { merged.counts[i] += h.counts[i] }
                merged.total += h.total
                merged.sum += h.sum
                latency[route] = merged
            }
            shard.lock.unlock()
        }
        eventLock.lock()
        let events = self.events
        eventLock.unlock()

        var out = ""
        out += "# HELP twofa_http_requests_total HTTP requests answered, by route and status.\n"
        out += "# TYPE twofa_http_requests_total counter\n"
        for (key, n) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            out += "twofa_http_requests_total{route=\"\(Self.escape(key.route))\",status=\"\(key.status)\"} \(n)\n"
        }
        out += "# HELP twofa_http_request_duration_seconds Time the application took to answer, by route.\n"
        out += "# TYPE twofa_http_request_duration_seconds histogram\n"
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) {
            let label = "route=\"\(Self.escape(route))\""
            var cumulative = 0
            for (i, bound) in Self.buckets.enumerated() {
                cumulative += h.counts[i]
                out += "twofa_http_request_duration_seconds_bucket{\(label),le=\"\(Self.number(bound))\"} \(cumulative)\n"
            }
            out += "twofa_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(h.total)\n"
            out += "twofa_http_request_duration_seconds_sum{\(label)} \(Self.number(h.sum))\n"
            out += "twofa_http_request_duration_seconds_count{\(label)} \(h.total)\n"
        }
        for (name, help) in [("pins_sent", "PINs sent"), ("pins_verified", "PINs entered correctly"),
                             ("pins_failed", "wrong PINs entered")] {
            Self.family(name, help, by: "channel", events: events, into: &out)
        }
        Self.counter("login_throttled", "Password attempts refused by the brute-force regulation",
                     events["login_throttled\u{1F}"] ?? 0, into: &out)
        Self.family("refusals", "Requests refused by a hardening check", by: "reason", events: events,
                    more: refusedConnections(), into: &out)
        Self.counter("device_logins_past_ban", "Attempts from a browser's device cookie let past an account ban or lock",
                     events["device_login_past_ban\u{1F}"] ?? 0, into: &out)
        Self.counter("device_logins_limited", "Attempts refused by a device cookie's own limit",
                     events["device_login_limited\u{1F}"] ?? 0, into: &out)
        Self.family("verify_sends_refused", "Verify starts and triggers refused by a sending limit", by: "reason",
                    events: events, into: &out)
        Self.family("verify_scheduled_skipped", "scheduled Verify events skipped because a sending limit was reached",
                    by: "reason", events: events, into: &out)
        eventLock.lock()
        let braking = brakeHour == clock() / 3_600
        eventLock.unlock()
        out += "# HELP twofa_verify_brake_engaged 1 while VERIFY_MAX_SENDS_PER_HOUR refuses codes to unverified numbers this hour (this instance has seen it), else 0.\n"
        out += "# TYPE twofa_verify_brake_engaged gauge\n"
        out += "twofa_verify_brake_engaged \(braking ? 1 : 0)\n"
        Self.counter("signup_throttled", "Sign-ups refused: too many from one client address",
                     events["signup_throttled\u{1F}"] ?? 0, into: &out)
        Self.counter("signup_notices", "Texts telling a number's owner that someone tried to sign up with it",
                     events["signup_notices\u{1F}"] ?? 0, into: &out)
        Self.family("password_resets", "Steps of \"Forgot your password?\"", by: "outcome", events: events, into: &out)
        Self.family("lost_phone_help_shown", "Lost-your-phone help pages shown", by: "advice", events: events, into: &out)
        Self.counter("numbers_set_after_reset", "Logins that proved a number after an operator's second-factor reset",
                     events["numbers_set_after_reset\u{1F}"] ?? 0, into: &out)
        Self.counter("accounts_deleted", "Accounts deleted by their owner on the web",
                     events["accounts_deleted\u{1F}"] ?? 0, into: &out)
        Self.counter("data_downloads", "Account data downloads (the JSON on /user/data)",
                     events["data_downloads\u{1F}"] ?? 0, into: &out)
        Self.family("pruned_rows", "Rows removed by the retention pruner", by: "table", events: events, into: &out)
        Self.family("untold_requests_throttled", "Password reset and passwordless requests over the per-address limit: nothing sent",
                    by: "flow", events: events, into: &out)
        Self.family("email_addresses", "E-mail addresses confirmed, removed, and codes by e-mail turned on or off (issue 16)",
                    by: "outcome", events: events, into: &out)
        Self.family("webhook_deliveries", "Verify API callback attempts, by outcome", by: "outcome", events: events, into: &out)
        Self.family("passkeys", "Passkey ceremonies that went through", by: "outcome", events: events, into: &out)
        Self.family("passkeys_refused", "Passkey ceremonies refused", by: "reason", events: events, into: &out)
        out += "# HELP twofa_http_open_connections HTTP connections open right now.\n"
        out += "# TYPE twofa_http_open_connections gauge\n"
        out += "twofa_http_open_connections \(openConnections())\n"
        return out
    }

    /// A counter without labels: `twofa_<metric>_total`, its help and type lines, and `value`.
    private static func counter(_ metric: String, _ help: String, _ value: Int, into out: inout String) {
        out += "# HELP twofa_\(metric)_total \(help).\n"
        out += "# TYPE twofa_\(metric)_total counter\n"
        out += "twofa_\(metric)_total \(value)\n"
    }

    /// A counter family by one label (`channel`, `reason`): one line per event counted as
    /// `<event>\u{1F}<label value>`, plus the `more` counted elsewhere, sorted by label value.
    private static func family(_ event: String, _ help: String, by label: String, events: [String: Int],
                               more: [(String, Int)] = [], into out: inout String) {
        out += "# HELP twofa_\(event)_total \(help), by \(label).\n"
        out += "# TYPE twofa_\(event)_total counter\n"
        let prefix = event + "\u{1F}"
        let values = events.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) } + more
        for (value, n) in values.sorted(by: { $0.0 < $1.0 }) {
            out += "twofa_\(event)_total{\(label)=\"\(escape(value))\"} \(n)\n"
        }
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
