import Verify

extension VerifyStart {
    /// The web app's own request for `number` (login, number change, passwordless): the
    /// configured workflow unless one is given, the call following when the text's code
    /// expires (capped at Vonage's 900 s maximum), superseding the number's live request.
    static func web(number: String, config: AppConfig, workflow: Workflow? = nil) -> VerifyStart {
        var start = VerifyStart(number: number, brand: config.brandName)
        start.codeLength = TextedCode.length
        start.pinExpiry = config.pinExpiry
        start.nextEventWait = min(config.pinExpiry, nextEventWaitRange.upperBound)
        start.workflow = workflow ?? Workflow(id: config.webWorkflowID) ?? Workflow(id: 5)!
        start.replacesLiveRequest = true
        return start
    }
}
