/// A session that passed both factors, with its user: what every account page works on.
struct SignedIn {
    let context: RequestContext
    let session: Session
    let user: User
}
