/// A request that passed `redirectIfVerified`: nobody fully logged in (sign-up, login,
/// passwordless pages). It may still carry a half-logged-in session.
struct Guest: HasReadOnlyForm {
    let context: RequestContext

    /// What a quick guest page gets (see `ReadOnlyContext`).
    struct ReadOnly {
        let context: ReadOnlyContext
    }

    var readOnly: ReadOnly { ReadOnly(context: context.readOnly) }
}
