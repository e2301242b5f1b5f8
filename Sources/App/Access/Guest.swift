/// A request that passed `redirectIfVerified`: nobody fully logged in (sign-up, login,
/// passwordless pages). It may still carry a half-logged-in session.
struct Guest {
    let context: RequestContext
}
