import Verify

extension VerifyStart {
    /// The web flows that text codes. Each has its own live request per number and its own
    /// per-number send allowance (VerifyStart.purpose), so a passwordless start can neither
    /// cancel the code a login or a number change is waiting for nor use up its sends.
    enum WebFlow: String {
        /// The PIN step after a password or a sign-up.
        case login
        case numberChange = "number_change"
        case passwordless
        /// "Forgot your password?": anyone may ask for it, like passwordless.
        case passwordReset = "password_reset"
        /// A stand-in whose code is withheld (TextedCode.start): apart from `login`, so a sign-up
        /// with someone's number can never replace the code their own login is waiting for.
        case withheld
        /// The code that, with the password, deletes the account (issue 14).
        case accountDeletion = "account_deletion"
        /// The code that proves an e-mail address the owner adds (issue 16).
        case emailAddress = "email_address"

        /// The flows a stranger starts by naming an account, whose sends must not tell whether
        /// it exists: left out of the per-address send count (their requests are limited per
        /// address instead, `UntoldRequestLimit`), and never superseding another visitor's code.
        static let untold: [WebFlow] = [.passwordless, .passwordReset]
    }

    /// The web app's own request for `number` in `flow`: the configured workflow unless one is
    /// given, the call following when the text's code expires (capped at Vonage's 900 s
    /// maximum), superseding the live request of the same flow for that number.
    /// The web app's request for a code by e-mail to `address` (Workflow.email), in `flow`:
    /// the texted code's length, expiry and replacing rule.
    static func webEmail(address: String, config: AppConfig, flow: WebFlow) -> VerifyStart {
        var start = web(number: address, config: config, flow: flow, workflow: .email)
        start.outranksPurposes = []
        return start
    }

    static func web(number: String, config: AppConfig, flow: WebFlow, workflow: Workflow? = nil) -> VerifyStart {
        var start = VerifyStart(number: number, brand: config.brandName)
        start.codeLength = TextedCode.length
        start.pinExpiry = config.pinExpiry
        start.nextEventWait = min(config.pinExpiry, nextEventWaitRange.upperBound)
        start.workflow = workflow ?? Workflow(id: config.webWorkflowID) ?? Workflow(id: 5)!
        // An untold flow's start supersedes only its own visitor's earlier request
        // (`replacesRequestID`): a stranger's ask must not cancel the code the owner is typing.
        start.replacesLiveRequest = !WebFlow.untold.contains(flow)
        start.purpose = flow.rawValue
        // Vonage keeps one live request per number: there a login's or a number change's code
        // may cancel a live passwordless request, never the other way round, so asking for
        // passwordless codes to someone's number can't keep their login code from them.
        // The same holds for a password reset, which strangers may ask for too.
        if flow == .login || flow == .numberChange || flow == .accountDeletion {
            start.outranksPurposes = [WebFlow.passwordless.rawValue, WebFlow.passwordReset.rawValue]
        }
        return start
    }
}
