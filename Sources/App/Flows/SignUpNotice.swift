import Messaging
import Support

/// Signing up with a number another account has proven: the sign-up is answered like any
/// other (UsersController), its codes are withheld (TextedCode.start), and the number's owner
/// is told by SMS — no code, no link, just what happened — at most once per SIGNUP_WINDOW.
enum SignUpNotice {
    static func text(brand: String) -> String {
        "Someone tried to create a \(brand) account with your phone number. Nothing changes for you: "
            + "no account can use your number without you. If this was you, log in instead."
    }

    /// Tells the owner of `number` about sign-up `attempt`, when an account has proven it.
    static func tellOwner(of number: String, attempt: Int64, context: RequestContext) throws {
        let app = context.app
        guard let owner = try app.database.read({ try User.find(number: number, in: $0) }) else { return }
        context.audit(.signUpWithNumber, userID: owner.id)
        let regulation = SignUpRegulation(config: app.config)
        guard try app.database.write({ try regulation.mayNotify(number: number, attempt: attempt, now: context.now, in: $0) }) else {
            return
        }
        do {
            try app.sms.send(SMSMessage(to: number, body: text(brand: app.config.brandName)))
            app.metrics.signUpNoticeSent()
            Log.info("sign-up with the number of user \(owner.id): its owner was told")
        } catch {
            Log.error("sign-up notice to \(Redact.phone(number)) failed: \(error)")
        }
    }
}
