import Support

extension RequestContext {
    /// Records a security event with this request's IP and user agent (its own small write).
    /// A failure to write is logged, not thrown: the user's action already happened.
    /// Inside a transaction you already hold, call `AuditLog.record(…, in: db)` instead.
    public func audit(_ kind: AuditEvent.Kind, userID: Int64?, detail: String = "") {
        do {
            try app.database.write { db in
                try AuditLog.record(kind, userID: userID, detail: detail, ip: request.remoteAddress,
                                    userAgent: request.headers["User-Agent"] ?? "", now: now, in: db)
            }
        } catch {
            // On the event loop the write is refused by design: the request runs again on a worker.
            if BlockingGuard.hasTripped { return }
            Log.error("audit event \(kind.rawValue) not recorded: \(error)")
        }
    }

    /// The client's address as the regulation and the audit log see it.
    var clientIP: String { request.remoteAddress }
}
