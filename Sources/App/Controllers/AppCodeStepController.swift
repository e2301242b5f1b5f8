import HTTP
import Security
import Support

/// The login's second-factor step by authenticator app or recovery code (POST
/// /verification/totp and /verification/recovery); the texted code is `TextedCodeStepController`,
/// and what surrounds both is `LoginFlow`. Wrong codes count in `SecondFactorRegulation`.
/// A session opened by a passwordless code (`firstFactor == .phone`) gets only these two.
public struct AppCodeStepController: Controller {
    public static let name = "second_factor"
    public enum Action: String { case totp, recovery }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// POST /verification/totp: the authenticator app's current code.
    func totp(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try check(pending, recovery: false)
    }

    /// POST /verification/recovery: one of the recovery codes (spent by using it).
    func recovery(_ pending: PendingSecondFactor) throws -> HTTPResponse {
        try check(pending, recovery: true)
    }

    private func check(_ pending: PendingSecondFactor, recovery: Bool) throws -> HTTPResponse {
        let user = pending.user, app = context.app
        let typed = context.params["code"]
        if recovery ? RecoveryCode.normalize(typed) == nil : !isSixDigits(typed) {
            let message = recovery ? "Enter one of your recovery codes: 10 letters and digits, like ABCDE-FGH23."
                                   : "Enter the 6-digit code from your authenticator app."
            return try LoginFlow.appPage(pending, recovery: recovery, status: 422, error: message)
        }
        let outcome: SecondFactorRegulation.Outcome
        switch try SecondFactorCheck.run(recovery ? .recovery(typed) : .app(typed), user: user, session: pending.session,
                                         context: context) {
        case .refused(.account):
            // Banned or locked (wrong passwords or codes): nothing was checked, start over later.
            return try startOver(message: "Too many wrong attempts on this account. Please try again later.")
        case .refused(.session):
            return try startOver(message: "That was too many wrong codes. Please log in again.")
        case .wrong(let wrong):
            outcome = wrong
        case .accepted:
            if recovery {
                let left = try app.database.read { try RecoveryCode.remaining(userID: user.id, in: $0) }
                let response = try LoginFlow.complete(pending, event: .recoveryCodeUsed, detail: "\(left) left",
                                                      remember: LoginFlow.wantsRemember(context))
                // Issue 14: the way back from a lost phone goes on from here, so say where.
                context.flash(.notice, "You're logged in with a recovery code. You have \(left) recovery code\(left == 1 ? "" : "s") left"
                              + (left <= 3 ? " — make a new set on the Two-factor page." : ".")
                              + " Lost your phone? You can change your number now.",
                              link: Flash.Link(path: "/user/number/edit", label: "Change your phone number"))
                return response
            }
            return try LoginFlow.complete(pending, event: .totpVerified, remember: LoginFlow.wantsRemember(context))
        }
        context.audit(recovery ? .recoveryCodeFailed : .totpFailed, userID: user.id)
        switch outcome {
        case .sessionOver:
            return try startOver(message: "That was too many wrong codes. Please log in again.")
        case .triesLeft(let left):
            let what = recovery ? "That recovery code isn't right or has been used." : "That code isn't right."
            return try LoginFlow.appPage(pending, recovery: recovery, status: 422, error: TriesLeft.message(what, left: left))
        }
    }

    private func startOver(message: String) throws -> HTTPResponse {
        try context.endSession()
        context.flash(.alert, message)
        return context.redirect(to: "/session/new")
    }

    private func isSixDigits(_ typed: String) -> Bool {
        let code = typed.filter { $0 != " " }
        return code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
