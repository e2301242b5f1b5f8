/// A session past its first factor (password or passwordless code) and not yet past its
/// second: what the second-factor step works on. Session and user are always there.
struct PendingSecondFactor {
    let context: RequestContext
    let session: Session
    let user: User
}
