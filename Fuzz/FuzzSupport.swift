// What both fuzz targets use (Fuzz/run compiles this file into each).

/// Stops the run on a broken invariant: libFuzzer keeps the input that did it.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

/// Deterministic per input, so a crash reproduces from its input alone.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
    return hash
}
