import HTTP
import Support
import Templates

/// The account's sessions (Rails: `resource :user do resources :sessions end`): where the
/// user is logged in, with "Log out this one" and "Log out everywhere else".
/// Our router matches exact paths, so the session to end comes as the form field `id`.
public struct UserSessionsController: Controller {
    public static let name = "user_sessions"
    public enum Action: String { case index, destroy, destroyOthers = "destroy_others" }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/sessions
    static func index(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        let user = signedIn.user, current = signedIn.session, context = signedIn.context
        let config = context.config, now = context.now
        let sessions = try context.read {
            try Session.active(userID: user.id, now: now, idleTimeout: config.sessionIdleTimeout,
                               lifetime: config.sessionLifetime, in: $0)
        }
        let rows: [TemplateValue] = sessions.map { s in
            [
                "id": .string(String(s.id)),
                "browser": .string(UserAgentSummary.describe(s.userAgent)),
                "ip": .string(s.ip.isEmpty ? "unknown" : s.ip),
                "last_seen": .string(Formatting.time(s.lastSeenAt)),
                "signed_in": .string(Formatting.time(s.createdAt)),
                "current": .bool(s.id == current.id),
                "pending": .bool(!s.verified),
                "passkey": .string(s.passkeyName ?? ""),
            ]
        }
        return try context.render("user_sessions/index", title: "Your sessions", [
            "sessions": .array(rows),
            "has_others": .bool(sessions.contains { $0.id != current.id }),
        ])
    }

    /// DELETE /user/sessions (form field `id`): "Log out this one". Ending the current
    /// session is a plain logout.
    func destroy(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, current = signedIn.session
        guard let id = Int64(context.params["id"]) else {
            context.flash(.alert, "Choose a session to log out.")
            return context.redirect(to: "/user/sessions")
        }
        if id == current.id {
            context.audit(.logout, userID: user.id)
            try context.endSession()
            context.flash(.notice, "You have logged out.")
            return context.redirect(to: "/session/new")
        }
        let ended = try context.app.database.write { try Session.destroy(id: id, userID: user.id, in: $0) }
        if ended {
            context.audit(.sessionRevoked, userID: user.id)
            Log.info("user \(user.id) ended one of their sessions")
            context.flash(.notice, "That session has been logged out.")
        } else {
            context.flash(.alert, "That session had already ended.")
        }
        return context.redirect(to: "/user/sessions")
    }

    /// DELETE /user/sessions/others: "Log out everywhere else".
    func destroyOthers(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, current = signedIn.session
        try context.app.database.write { db in
            try Session.destroyAll(userID: user.id, except: current.id, in: db)
            try RememberedDevice.revokeAll(userID: user.id, in: db)  // issue 6: no device skips the code any more
        }
        context.audit(.otherSessionsRevoked, userID: user.id)
        Log.info("user \(user.id) ended their other sessions")
        context.flash(.notice, "You have been logged out everywhere else.")
        return context.redirect(to: "/user/sessions")
    }
}
