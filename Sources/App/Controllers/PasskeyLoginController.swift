import HTTP
import Security
import Support
import Templates

/// Passkey-only login (issue 17, PASSKEY_LOGIN=on; a 404 otherwise): "Sign in with a passkey"
/// and autofill (conditional mediation) on the login page. A discoverable passkey with user
/// verification counts as both factors; without it, as the first, and the usual second step follows.
public struct PasskeyLoginController: Controller {
    public static let name = "passkey_login"
    public enum Action: String { case options, create }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// POST /passkey_login/options: a fresh challenge for this browser, as JSON for the page script
    /// (the login page is drawn without a database write, so the script asks for it).
    func options(_: Guest) throws -> HTTPResponse {
        let challenge = try PasskeyCeremony.issue(.login, context: context)
        let body = PasskeyCeremony.requestOptions(challenge: challenge, allow: [], userVerification: "preferred", context: context)
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(body.utf8))
    }

    /// POST /passkey_login: the browser's answer.
    func create(_: Guest) throws -> HTTPResponse {
        let app = context.app
        let proof: PasskeyCeremony.Proof
        do {
            proof = try PasskeyCeremony.assertion(.login, account: nil, requireUserVerification: false, context: context)
        } catch let refusal as PasskeyCeremony.Refusal {
            PasskeyCeremony.count(refusal, account: nil, context: context)
            return try SessionsController.form(context.readOnly, username: "", error: refusal.reason, status: refusal.status)
        }
        guard let user = try app.database.read({ try User.find(id: proof.passkey.userID, in: $0) }) else {
            return try SessionsController.form(context.readOnly, username: "", error: "That passkey's account is gone.", status: 403)
        }
        let session = try context.startSession(for: user, firstFactor: .passkey)
        try app.database.write { try proof.passkey.mark(sessionID: session.id, in: $0) }
        let pending = PendingSecondFactor(context: context, session: session, user: user)
        // An account whose second factor an operator reset proves a number first, however it logged in.
        if proof.userVerified, try Check.redirectIfNumberReset(context, user: user) == nil {
            app.metrics.passkey("login_two_factors")
            return try LoginFlow.complete(pending, event: .passkeyLogin, detail: proof.passkey.name, remember: false)
        }
        // One factor only: something the user has, without the PIN or biometric that would make it two.
        app.metrics.passkey("login_one_factor")
        context.audit(.passkeyLogin, userID: user.id, detail: "\(proof.passkey.name), without user verification")
        let next = try LoginFlow.begin(pending)
        context.flash(.notice, "Your passkey was accepted, but your device didn't check it was you (no PIN, fingerprint or face), "
                      + "so it counts as one step only. Please finish with a second one.")
        return next
    }
}
