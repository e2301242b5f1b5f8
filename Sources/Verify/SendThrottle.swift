import Database
import Messaging
import Support

/// Every limit a send (a text or a call) must pass, whoever asked for it: a start, a
/// trigger, the scheduler. Against SMS pumping (fraudsters triggering texts and calls to
/// numbers they are paid for):
/// - `countries` (SMS_COUNTRIES): the number's country, from its calling code;
/// - at most `maxPerNumber` events to one number and `maxPerIP` from one client address
///   within `window` seconds, counted from the events table (failed deliveries don't count);
///   the `untoldPurposes`' sends are neither counted per address nor limited by it: whether
///   they happen tells whether an account exists, so the app limits their requests per
///   address instead, account or not (`UntoldRequestLimit`);
/// - the account's daily budget (`verify_budgets`, an API key's `--daily-limit`), sends per
///   UTC day, counted in the same statement that checks it;
/// - the site-wide brake (VERIFY_MAX_SENDS_PER_HOUR): starts to numbers not yet verified per
///   UTC clock hour (`verify_hourly_sends`); 0 = off.
/// All counts live in the database, so they hold across restarts and instances.
public struct SendThrottle: Sendable {
    public let maxPerNumber: Int
    public let maxPerIP: Int
    public let window: Int
    public let countries: DestinationCountries
    public let maxUnverifiedPerHour: Int
    /// Flows whose sends a stranger asks for by naming an account (passwordless login, password
    /// reset): left out of the per-address count, see the type's comment.
    public let untoldPurposes: [String]

    public init(maxPerNumber: Int, maxPerIP: Int, window: Int, countries: DestinationCountries = .all,
                maxUnverifiedPerHour: Int = 0, untoldPurposes: [String] = []) {
        self.maxPerNumber = maxPerNumber; self.maxPerIP = maxPerIP; self.window = window
        self.countries = countries; self.maxUnverifiedPerHour = maxUnverifiedPerHour
        self.untoldPurposes = untoldPurposes
    }

    /// One send about to be made. An empty `ip` (API requests, whose caller is a backend
    /// serving many users) skips the per-IP limit. `isStart`: the first event of a new request
    /// (the only sends the brake counts); `toVerifiedNumber`: the web app's login to an
    /// account's proven number, which the brake lets through.
    struct Send {
        let number: String
        /// The flow the send serves (`VerifyStart.purpose`): the per-number allowance is each
        /// flow's own, so asking for passwordless codes can't use up the owner's login PIN's sends.
        let purpose: String
        let ip: String
        let accountID: String
        var isStart = false
        var toVerifiedNumber = false
        let now: Int64

        var countsTowardBrake: Bool { isStart && !toVerifiedNumber }
    }

    // MARK: Deciding

    /// Whether `send` may go (nil) or why not. Its statements run together, so the budget's and
    /// the brake's counters may have moved even when it refuses: a caller throws on a refusal
    /// (or on refusing later for a reason of its own) so that its transaction rolls them back.
    func admit(_ send: Send, in db: DatabaseConnection) throws -> SendRefusal? {
        if !SendThrottle.allowsCountry(send.number, countries) { return .country }
        return refusal(send, rows: try db.queries(statements(for: send)))
    }

    /// `admit`'s statements, for a caller to send together with its other reads (one round
    /// trip on PostgreSQL): the counts to the number and from the address, the budget's limit
    /// and its conditional increment, and the brake's conditional increment.
    func statements(for send: Send) -> [SQLStatement] {
        counts(number: send.number, purpose: send.purpose, ip: send.ip, now: send.now) + SendCounters.budget(accountID: send.accountID, now: send.now)
            + (brakes(send) ? [SendCounters.brake(now: send.now, max: maxUnverifiedPerHour)] : [])
    }

    /// What the rows of `statements(for:)` say: nil when the send may go. The destination
    /// country is not among them: it needs no database, so it is checked before they are sent
    /// (by `admit`, or by the caller that sends them itself).
    func refusal(_ send: Send, rows: [[Row]]) -> SendRefusal? {
        let countRows = countsAddress(ip: send.ip, purpose: send.purpose) ? 2 : 1
        guard allows(counted: Array(rows.prefix(countRows))) else { return .throttled }
        let budget = rows.dropFirst(countRows)
        if budget.first?.first != nil, budget.dropFirst().first?.first == nil { return .quota }
        if brakes(send), rows.dropFirst(countRows + 2).first?.first == nil { return .brake }
        return nil
    }

    private func brakes(_ send: Send) -> Bool { maxUnverifiedPerHour > 0 && send.countsTowardBrake }

    /// SMS_COUNTRIES limits numbers only: an e-mail address has no country.
    static func allowsCountry(_ destination: String, _ countries: DestinationCountries) -> Bool {
        EmailAddress.isDestination(destination) || countries.allows(destination)
    }

    // MARK: The per-number and per-address counts

    /// Whether one more send to `number` for `purpose` from `ip` is allowed by the per-number
    /// and per-IP limits.
    func allows(number: String, purpose: String, ip: String, now: Int64, in db: DatabaseConnection) throws -> Bool {
        allows(counted: try db.queries(counts(number: number, purpose: purpose, ip: ip, now: now)))
    }

    /// Whether a send for `purpose` from `ip` is limited per address: not an API call's (no
    /// address) nor an untold flow's.
    func countsAddress(ip: String, purpose: String) -> Bool { !ip.isEmpty && !untoldPurposes.contains(purpose) }

    /// The counts `allows` decides on: sends to the number for the purpose, then from the
    /// address (every purpose but the untold ones).
    func counts(number: String, purpose: String, ip: String, now: Int64) -> [SQLStatement] {
        let since = SQLValue.integer(now - Int64(window))
        let toNumber = ("""
            SELECT count(*) AS n FROM verify_events
            WHERE number = ? AND purpose = ? AND created_at > ? AND status != 'failed'
            """, [SQLValue.text(number), .text(purpose), since])
        guard countsAddress(ip: ip, purpose: purpose) else { return [toNumber] }
        let untold = untoldPurposes.map { SQLValue.text($0) }
        let leftOut = untold.isEmpty ? "" : " AND purpose NOT IN (\(untold.map { _ in "?" }.joined(separator: ", ")))"
        return [toNumber, ("SELECT count(*) AS n FROM verify_events WHERE ip = ? AND created_at > ? AND status != 'failed'\(leftOut)",
                           [.text(ip), since] + untold)]
    }

    /// Whether the rows of `counts` allow one more send.
    func allows(counted rows: [[Row]]) -> Bool {
        let toNumber = rows.first?.first?.int("n") ?? 0
        let fromIP = rows.dropFirst().first?.first?.int("n") ?? 0
        return toNumber < maxPerNumber && fromIP < maxPerIP
    }
}

/// Why a send did not go, as the API answers it.
public enum SendRefusal: String, Error, Sendable, CaseIterable {
    /// SMS_COUNTRIES does not include the number's country.
    case country
    /// The per-number or per-address limit.
    case throttled
    /// The account's (API key's) daily budget is spent.
    case quota
    /// VERIFY_MAX_SENDS_PER_HOUR: the site-wide brake on sends to unverified numbers.
    case brake

    public var error: VerifyError {
        switch self {
        case .country: return .unsupportedNetwork
        case .throttled: return .throttled
        case .brake: return .braked
        case .quota: return .quotaExceeded
        }
    }
}

extension SendRefusal {
    /// A start or trigger refused by a limit: logged, told to the observer (metrics), and
    /// answered as the API does. `note` tells the log what the engine spared (Vonage not asked).
    func reported(for send: SendThrottle.Send, to observer: VerifyObserver?, note: String = "") -> VerifyError {
        Log.info("verify: send to \(VerifyStart.redacted(send.number)) refused (\(rawValue))\(note)")
        observer?.sendRefused(self, number: send.number, accountID: send.accountID, scheduled: false, now: send.now)
        return error
    }
}
