import HTTP
import Support
import Templates

/// "Lost your phone?" from the second step (issue 14): what this account can do without the
/// phone, said to a session that has only proven the password, so it tells no more than the
/// second step already does (whether an app is set up; now also whether unused recovery codes
/// are left, never how many). Recovery codes → the recovery-code form, then the number change;
/// an app → the app; neither → the operator, and what they will do.
public struct LostPhoneController: Controller {
    public static let name = "lost_phone"
    public enum Action: String { case show }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// The advice this account gets, as /metrics counts it.
    enum Advice: String { case recoveryCode = "recovery_code", app, askOperator = "operator" }

    /// GET /verification/lost
    func show(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        let user = pending.user, app = context.app
        let (hasApp, codesLeft) = try app.database.read {
            (try TOTPCredential.isEnabled(userID: user.id, in: $0), try RecoveryCode.remaining(userID: user.id, in: $0))
        }
        let hasCodes = hasApp && codesLeft > 0   // recovery codes only work alongside an app
        let advice: Advice = hasCodes ? .recoveryCode : hasApp ? .app : .askOperator
        app.metrics.lostPhoneHelpShown(advice: advice.rawValue)
        Log.info("lost-phone help shown for user \(user.id): \(advice.rawValue)")
        return try context.render("lost_phone/show", title: "Lost your phone?", [
            "masked_number": .string(Redact.phone(user.number)),
            "has_codes": .bool(hasCodes),
            "has_app": .bool(hasApp),
            "neither": .bool(!hasApp),
        ])
    }
}
