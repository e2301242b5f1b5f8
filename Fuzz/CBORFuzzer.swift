// libFuzzer entry point for the CBOR decoder that reads WebAuthn attestation objects and COSE
// keys (issue 17). Built by `Fuzz/run cbor` with Sources/Security/WebAuthn/CBOR.swift (no imports).
//
// Invariants (a violation traps, which libFuzzer reports as a crash with its input):
//   1. no trap or memory error whatever the bytes (ASan), and every failure a CBORError;
//   2. whatever decodes re-encodes to exactly the input: the decoder only accepts the one
//      (shortest, definite-length) encoding of each value, so nothing is read two ways;
//   3. decoding item by item (as authenticator data is read: a key, then what follows) never
//      moves past the input, and the items together re-encode to the bytes they consumed;
//   4. under small limits drawn from a hash of the input, the depth and item limits hold:
//      whatever decodes under them also decodes under the defaults, to the same value.

@_cdecl("LLVMFuzzerTestOneInput")
public func cborFuzzTest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    let whole: CBOR?
    do { whole = try CBOR.decode(input) } catch is CBORError { whole = nil } catch { fatalError("not a CBORError: \(error)") }
    if let whole {
        check(whole.encoded() == input, "decoded, but re-encodes to other bytes")
        check(depth(whole) <= CBORDecoder.Limits().maxDepth, "nested deeper than the limit")
    }

    var decoder = CBORDecoder(input)
    var consumed: [UInt8] = []
    while decoder.offset < input.count {
        let before = decoder.offset
        guard let item = try? decoder.item() else { break }
        check(decoder.offset > before && decoder.offset <= input.count, "an item consumed nothing or ran past the end")
        let encoded = item.encoded()
        check(encoded == Array(input[before..<decoder.offset]), "an item re-encodes to other bytes than it consumed")
        consumed += encoded
    }
    check(consumed == Array(input.prefix(consumed.count)), "items decoded one after another skipped bytes")

    let seed = fnv1a(input)
    let limits = CBORDecoder.Limits(maxDepth: Int(seed % 6) + 1, maxItems: Int((seed >> 8) % 40) + 1)
    if let small = try? CBOR.decode(input, limits: limits) {
        check(depth(small) <= limits.maxDepth, "depth limit not kept")
        check(count(small) <= limits.maxItems, "item limit not kept")
        check(small == whole, "a small-limit decode differs from the default one")
    }
    return 0
}

private func depth(_ item: CBOR) -> Int {
    switch item {
    case .array(let items): return 1 + (items.map(depth).max() ?? 0)
    case .map(let pairs): return 1 + (pairs.map { max(depth($0.key), depth($0.value)) }.max() ?? 0)
    default: return 1
    }
}

private func count(_ item: CBOR) -> Int {
    switch item {
    case .array(let items): return 1 + items.map(count).reduce(0, +)
    case .map(let pairs): return 1 + pairs.map { count($0.key) + count($0.value) }.reduce(0, +)
    default: return 1
    }
}
