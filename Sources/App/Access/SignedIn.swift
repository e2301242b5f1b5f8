/// A session that passed both factors, with its user: what every account page works on.
struct SignedIn: HasReadOnlyForm {
    let context: RequestContext
    let session: Session
    let user: User

    /// What a quick account page gets: the same session and user, and only reads (see
    /// `ReadOnlyContext`).
    struct ReadOnly {
        let context: ReadOnlyContext
        let session: Session
        let user: User
    }

    var readOnly: ReadOnly { ReadOnly(context: context.readOnly, session: session, user: user) }
}
