import Database

/// The Twilio face's note on an engine request: the Service it was started under and its
/// Twilio channel. The verification's sid is `VE` + the engine's request_id.
struct TwilioVerification: Sendable, Equatable {
    enum Channel: String, Sendable, CaseIterable { case sms, call, email }

    let requestID: String
    let serviceSID: String
    let channel: Channel
    let createdAt: Int64

    var sid: String { "VE" + requestID }

    /// The request id inside a `VE…` sid, or nil for anything else.
    static func requestID(fromSID sid: String) -> String? {
        guard sid.hasPrefix("VE"), sid.count == 34 else { return nil }
        let id = String(sid.dropFirst(2))
        return id.allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) } ? id : nil
    }

    init(requestID: String, serviceSID: String, channel: Channel, createdAt: Int64) {
        self.requestID = requestID; self.serviceSID = serviceSID; self.channel = channel; self.createdAt = createdAt
    }

    init(row: Row) {
        requestID = row.string("request_id") ?? ""
        serviceSID = row.string("service_sid") ?? ""
        channel = Channel(rawValue: row.string("channel") ?? "") ?? .sms
        createdAt = row.int64("created_at") ?? 0
    }

    func insert(in db: DatabaseConnection) throws {
        try db.execute("INSERT INTO twilio_verifications (request_id, service_sid, channel, created_at) VALUES (?, ?, ?, ?)",
                       [.text(requestID), .text(serviceSID), .text(channel.rawValue), .integer(createdAt)])
    }

    /// The note on request `requestID` if it was started under service `serviceSID`.
    static func find(requestID: String, serviceSID: String, in db: DatabaseConnection) throws -> TwilioVerification? {
        try db.queryOne("SELECT request_id, service_sid, channel, created_at FROM twilio_verifications WHERE request_id = ? AND service_sid = ?",
                        [.text(requestID), .text(serviceSID)]).map(TwilioVerification.init)
    }
}
