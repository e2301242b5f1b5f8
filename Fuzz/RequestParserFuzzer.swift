// libFuzzer entry point for the HTTP request parser. Built by Fuzz/run together with the
// parser's own source files from Sources/HTTP (one module, so internal API is visible).
//
// Every input is parsed three ways, and each way must hold the invariants below; any
// violation traps, which libFuzzer reports as a crash with the input that caused it:
//   1. the whole input at once;
//   2. the same bytes in pieces (sizes drawn from a hash of the input) and byte by byte:
//      the requests and the final error must be exactly those of (1);
//   3. with small limits drawn from the hash, so the size and count limits are reached.

/// What one parse produced, comparable across the ways of feeding it.
private enum Outcome: Equatable {
    case request(method: String, target: String, path: String, query: String, version: HTTPVersion,
                 headers: [String], body: [UInt8], keepAlive: Bool)
    case failure(status: Int, reason: String)
}

private let validFailureStatuses: Set<Int> = [400, 411, 413, 414, 431, 505]

@_cdecl("LLVMFuzzerTestOneInput")
public func requestParserFuzzTest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var random = SplitMix(seed: fnv1a(input))

    let defaults = RequestParser.Limits()
    var whole = RequestParser(limits: defaults)
    whole.append(input)
    var expected: [Outcome] = []
    drain(&whole, limits: defaults, into: &expected)

    // Random-sized pieces (mostly small, sometimes large), then one byte at a time.
    check(feedInPieces(input, limits: defaults, random: &random) == expected,
          "parsing in pieces differs from parsing at once")

    var bytewise = RequestParser(limits: defaults)
    var byteByByte: [Outcome] = []
    for byte in input where !isFailure(byteByByte.last) {
        bytewise.append(CollectionOfOne(byte))
        drain(&bytewise, limits: defaults, into: &byteByByte)
    }
    check(byteByByte == expected, "parsing byte by byte differs from parsing at once")

    // Small limits: the invariants in `drain` check each request against them.
    let small = RequestParser.Limits(
        maxHeaderBytes: 8 + random.next() % 512,
        maxBodyBytes: random.next() % 256,
        maxHeaderCount: random.next() % 16)
    var limited = RequestParser(limits: small)
    limited.append(input)
    var limitedOutcomes: [Outcome] = []
    drain(&limited, limits: small, into: &limitedOutcomes)
    check(feedInPieces(input, limits: small, random: &random) == limitedOutcomes,
          "with small limits, parsing in pieces differs from parsing at once")
    return 0
}

/// Appends `input` in pieces of random size, taking events after each, as a socket would.
private func feedInPieces(_ input: [UInt8], limits: RequestParser.Limits, random: inout SplitMix) -> [Outcome] {
    var parser = RequestParser(limits: limits)
    var outcomes: [Outcome] = []
    var offset = 0
    while offset < input.count, !isFailure(outcomes.last) {
        let n = random.next() % 4 == 0 ? 1 + random.next() % 512 : 1 + random.next() % 8
        let end = min(input.count, offset + n)
        parser.append(input[offset..<end])
        offset = end
        drain(&parser, limits: limits, into: &outcomes)
    }
    return outcomes
}

/// Takes every event the buffered bytes allow, checking each against the invariants.
private func drain(_ parser: inout RequestParser, limits: RequestParser.Limits, into outcomes: inout [Outcome]) {
    var continued = false
    while true {
        let before = parser.bufferedCount
        switch parser.next() {
        case .needMore:
            check(parser.bufferedCount == before, "needMore consumed bytes")
            return
        case .expectContinue:
            check(!continued, "100-continue offered twice for one request")
            check(parser.phase == .body, "100-continue outside the body phase")
            continued = true
        case .failure(let error):
            check(validFailureStatuses.contains(error.status), "unexpected failure status \(error.status)")
            check(!error.reason.isEmpty, "failure without a reason")
            guard case .failure(let again) = parser.next(), again == error else {
                check(false, "a failed parser recovered")
                return
            }
            outcomes.append(.failure(status: error.status, reason: error.reason))
            return
        case .request(let request, let keepAlive):
            continued = false
            let consumed = before - parser.bufferedCount
            checkRequest(request, consumed: consumed, limits: limits)
            outcomes.append(.request(
                method: request.method, target: request.target, path: request.path, query: request.query,
                version: request.version, headers: request.headers.map { "\($0.name): \($0.value)" },
                body: request.body, keepAlive: keepAlive))
        }
    }
}

private func checkRequest(_ request: HTTPRequest, consumed: Int, limits: RequestParser.Limits) {
    check(consumed > request.body.count, "a request consumed no head bytes")
    check(consumed - request.body.count <= limits.maxHeaderBytes, "head longer than maxHeaderBytes")
    check(request.body.count <= limits.maxBodyBytes, "body larger than maxBodyBytes")
    check(request.headers.count <= limits.maxHeaderCount, "more header fields than maxHeaderCount")

    check(!request.method.isEmpty && request.method.utf8.allSatisfy(RequestParser.isTokenByte), "method is not a token")
    check(request.version == .http1_1 || request.version == .http1_0, "version \(request.version) got through")
    check(!request.path.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "control character in path")
    check(request.path.hasPrefix("/") || (request.path == "*" && request.method == "OPTIONS"), "path \(request.path.debugDescription)")
    check(!request.target.utf8.contains { $0 <= 0x20 || $0 == 0x7F }, "space or control character in target")

    for (name, value) in request.headers {
        check(!name.isEmpty && name.utf8.allSatisfy(RequestParser.isTokenByte), "header name is not a token")
        check(!value.utf8.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }, "control character in header value")
        check(value.utf8.first != 0x20 && value.utf8.first != 0x09 && value.utf8.last != 0x20 && value.utf8.last != 0x09,
              "header value not trimmed")
    }
    let hosts = request.headers.values("Host").count
    check(hosts <= 1 && (request.version == .http1_0 || hosts == 1), "Host header count \(hosts)")
    check(!request.headers.contains("Transfer-Encoding"), "a Transfer-Encoding request got through")

    // Framing: the body is exactly what Content-Length declared (every value agrees).
    var declared: Int?
    for value in request.headers.values("Content-Length") {
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let n = Int(part.trimmingCharacters(ofASCII: " \t"))
            check(n != nil && n! >= 0, "invalid Content-Length \(value.debugDescription) got through")
            check(declared == nil || declared == n, "conflicting Content-Length got through")
            declared = n
        }
    }
    check(request.body.count == (declared ?? 0), "body of \(request.body.count) bytes, Content-Length \(declared ?? 0)")

    // What the app does next with a request must not trap either.
    _ = request.cookies
    _ = FormURLEncoded.parse(request.body)
    _ = FormURLEncoded.parse(Array(request.query.utf8))
}

private func isFailure(_ outcome: Outcome?) -> Bool {
    if case .failure = outcome { return true }
    return false
}


private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
    }
}
