import Database
import Security

/// A Twilio Verify v2 Service (`VA` + 32 hex): one API client's settings for the
/// verifications started under it. Only its own client (`accountSID`) sees it.
struct TwilioService: Sendable, Equatable {
    var sid: String
    var accountSID: String
    var friendlyName: String
    var codeLength = 6
    var customCodeEnabled = false
    var doNotShareWarningEnabled = false
    var psd2Enabled = false
    var lookupEnabled = false
    var skipSMSToLandlines = false
    var dtmfInputRequired = false
    var ttsName: String?
    var createdAt: Int64
    var updatedAt: Int64

    /// Twilio's CodeLength range.
    static let codeLengths = 4...10
    /// Twilio's FriendlyName limit; it is also the brand in the texts.
    static let friendlyNameLength = 1...30
    static let columns = """
        sid, account_sid, friendly_name, code_length, custom_code_enabled, do_not_share_warning_enabled, psd2_enabled,
        lookup_enabled, skip_sms_to_landlines, dtmf_input_required, tts_name, created_at, updated_at
        """

    init(sid: String, accountSID: String, friendlyName: String, now: Int64) {
        self.sid = sid; self.accountSID = accountSID; self.friendlyName = friendlyName
        createdAt = now; updatedAt = now
    }

    init(row: Row) {
        sid = row.string("sid") ?? ""
        accountSID = row.string("account_sid") ?? ""
        friendlyName = row.string("friendly_name") ?? ""
        codeLength = row.int("code_length") ?? 6
        customCodeEnabled = row.int("custom_code_enabled") == 1
        doNotShareWarningEnabled = row.int("do_not_share_warning_enabled") == 1
        psd2Enabled = row.int("psd2_enabled") == 1
        lookupEnabled = row.int("lookup_enabled") == 1
        skipSMSToLandlines = row.int("skip_sms_to_landlines") == 1
        dtmfInputRequired = row.int("dtmf_input_required") == 1
        ttsName = row.string("tts_name")
        createdAt = row.int64("created_at") ?? 0
        updatedAt = row.int64("updated_at") ?? 0
    }

    /// `VA` + 32 lowercase hex from the CSPRNG, as Twilio's sids look.
    static func newSID() -> String { "VA" + Hex.encode(SecureRandom.bytes(16)) }

    private var values: [SQLValue] {
        func flag(_ b: Bool) -> SQLValue { .integer(b ? 1 : 0) }
        return [.text(friendlyName), .integer(Int64(codeLength)), flag(customCodeEnabled), flag(doNotShareWarningEnabled),
                flag(psd2Enabled), flag(lookupEnabled), flag(skipSMSToLandlines), flag(dtmfInputRequired),
                ttsName.map(SQLValue.text) ?? .null, .integer(updatedAt)]
    }

    func insert(in db: DatabaseConnection) throws {
        _ = try db.insert("""
            INSERT INTO twilio_services (friendly_name, code_length, custom_code_enabled, do_not_share_warning_enabled,
                psd2_enabled, lookup_enabled, skip_sms_to_landlines, dtmf_input_required, tts_name, updated_at,
                sid, account_sid, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values + [.text(sid), .text(accountSID), .integer(createdAt)])
    }

    func update(in db: DatabaseConnection) throws {
        try db.execute("""
            UPDATE twilio_services SET friendly_name = ?, code_length = ?, custom_code_enabled = ?,
                do_not_share_warning_enabled = ?, psd2_enabled = ?, lookup_enabled = ?, skip_sms_to_landlines = ?,
                dtmf_input_required = ?, tts_name = ?, updated_at = ?
            WHERE sid = ? AND account_sid = ?
            """, values + [.text(sid), .text(accountSID)])
    }

    /// The account's service `sid`, or nil (another account's is as unknown as a made-up one).
    static func find(sid: String, accountSID: String, in db: DatabaseConnection) throws -> TwilioService? {
        try db.queryOne("SELECT \(columns) FROM twilio_services WHERE sid = ? AND account_sid = ?",
                        [.text(sid), .text(accountSID)]).map(TwilioService.init)
    }

    /// One page of the account's services, oldest first.
    static func page(accountSID: String, offset: Int, limit: Int, in db: DatabaseConnection) throws -> [TwilioService] {
        try db.query("SELECT \(columns) FROM twilio_services WHERE account_sid = ? ORDER BY id LIMIT ? OFFSET ?",
                     [.text(accountSID), .integer(Int64(limit)), .integer(Int64(offset))]).map(TwilioService.init)
    }

    static func delete(sid: String, accountSID: String, in db: DatabaseConnection) throws -> Bool {
        try db.execute("DELETE FROM twilio_services WHERE sid = ? AND account_sid = ?", [.text(sid), .text(accountSID)])
        return db.changes == 1
    }
}
