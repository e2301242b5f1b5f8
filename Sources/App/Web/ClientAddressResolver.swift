import HTTP

/// Who the client is when the socket peer is a reverse proxy we trust (TRUSTED_PROXIES).
///
/// Only a trusted peer's forwarding headers are read; anyone else's are ignored, so a
/// forged `X-Forwarded-For` changes nothing. Proxies append the address they saw, so
/// the list is read from the right: the first address that is not itself a trusted proxy
/// is the client (entries left of it are whatever the client chose to send); when every
/// entry is a trusted proxy, the leftmost. `X-Forwarded-For` first, else `Forwarded`.
/// An entry that is not an address (`unknown`, obfuscated, garbage) where the client
/// should be leaves the peer as the client: a guess would be worse.
public struct ClientAddressResolver: Sendable {
    public let trusted: [CIDR]

    public init(trusted: [CIDR]) { self.trusted = trusted }

    /// What a trusted peer's headers say; nil fields leave the request as it was.
    public struct Outcome: Equatable, Sendable {
        public var client: IPAddress?
        public var secure = false
    }

    public func trusts(_ address: IPAddress) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// Whether the socket peer (text, as the server reports it) is a trusted proxy.
    public func trustsPeer(_ peer: String) -> Bool {
        !trusted.isEmpty && IPAddress(peer).map(trusts) == true
    }

    /// Rewrites `remoteAddress` and `isSecure` from a trusted peer's headers; returns
    /// whether the peer is trusted. With no trusted proxies this is one empty check.
    @discardableResult
    public func apply(to request: inout HTTPRequest) -> Bool {
        guard !trusted.isEmpty, let outcome = resolve(peer: request.peerAddress, headers: request.headers) else { return false }
        if let client = outcome.client { request.remoteAddress = client.description }
        if outcome.secure { request.isSecure = true }
        return true
    }

    /// Nil when the peer is not a trusted proxy.
    public func resolve(peer: String, headers: HTTPHeaders) -> Outcome? {
        guard trustsPeer(peer) else { return nil }
        var outcome = Outcome()
        if headers.contains("X-Forwarded-For") {
            let entries = ForwardedHeaders.forwardedFor(headers)
            let chosen = select(entries)
            outcome.client = chosen.flatMap { entries[$0] }
            // A proxy that appends to X-Forwarded-For appends to -Proto too: the entry
            // beside the client's says how the client came in; otherwise the nearest proxy's.
            let protos = ForwardedHeaders.forwardedProto(headers)
            let proto = protos.count == entries.count ? chosen.map { protos[$0] } ?? protos.last : protos.last
            outcome.secure = proto == "https"
        } else if headers.contains("Forwarded") {
            // An element without `for=` names nobody: the hop before it could be the client's own
            // forgery, so it stops the walk like garbage does.
            let elements = ForwardedHeaders.forwarded(headers)
            let chosen = select(elements.map(\.client))
            outcome.client = chosen.flatMap { elements[$0].client }
            // Each element carries its own proto: the one that named the client says how it came in.
            outcome.secure = (chosen.map { elements[$0].proto } ?? elements.last?.proto) == "https"
        } else {
            outcome.secure = ForwardedHeaders.forwardedProto(headers).last == "https"
        }
        return outcome
    }

    /// The index of the client among `hops` (leftmost first), by the rightmost-untrusted
    /// rule; nil when an entry that is not an address stands where the client would be.
    func select(_ hops: [IPAddress?]) -> Int? {
        guard !hops.isEmpty else { return nil }
        for index in hops.indices.reversed() {
            guard let address = hops[index] else { return nil }
            if !trusts(address) { return index }
        }
        return hops.startIndex   // every hop a trusted proxy: the farthest one is the client
    }
}
