import COpenSSL

/// HMAC-SHA256 under one key that is used again and again (the Verify engine's PIN key).
///
/// HMAC (RFC 2104) hashes the padded key XOR ipad, then the message; then the padded key XOR
/// opad, then that inner hash. The two key blocks never change, so SHA-256's state after each
/// is kept here, computed once, and every MAC starts from copies of them: two SHA-256 blocks
/// for a short message and no allocation but the result. (OpenSSL's one-shot `HMAC()` fetched
/// the algorithm and keyed a context on every call, 12 k instructions of every Verify check;
/// a copy of a keyed `EVP_MAC_CTX` still made and freed its contexts, three digest contexts
/// among them, and cost 10.5 k.)
public final class HMACKey: @unchecked Sendable {
    /// The states after the ipad and opad blocks. Written in `init` only (and wiped in `deinit`):
    /// a MAC copies them, so threads may MAC at the same time.
    private var inner = SHA256_CTX()
    private var outer = SHA256_CTX()

    private static let blockSize = 64

    public init(_ key: [UInt8]) {
        // A key longer than a block is hashed first; a shorter one is padded with zeros.
        var block = key.count > Self.blockSize ? Digest.sha256(key) : key
        block += [UInt8](repeating: 0, count: Self.blockSize - block.count)
        var pad = block.map { $0 ^ 0x36 }
        let innerOK = SHA256_Init(&inner) == 1 && SHA256_Update(&inner, pad, pad.count) == 1
        for i in pad.indices { pad[i] = block[i] ^ 0x5c }
        let outerOK = SHA256_Init(&outer) == 1 && SHA256_Update(&outer, pad, pad.count) == 1
        Self.wipe(&block)
        Self.wipe(&pad)
        guard innerOK, outerOK else { fatalError("SHA-256 failed") }
    }

    deinit {
        Self.wipe(&inner)
        Self.wipe(&outer)
    }

    /// The 32-byte HMAC-SHA256 of `message`; the same as `Digest.hmacSHA256(key:message:)`.
    public func mac(_ message: [UInt8]) -> [UInt8] {
        var context = inner
        var innerHash = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var ok = message.withUnsafeBufferPointer { SHA256_Update(&context, $0.baseAddress, $0.count) } == 1
            && SHA256_Final(&innerHash, &context) == 1
        context = outer
        ok = ok && SHA256_Update(&context, innerHash, innerHash.count) == 1 && SHA256_Final(&output, &context) == 1
        Self.wipe(&context)
        Self.wipe(&innerHash)
        guard ok else { fatalError("HMAC-SHA256 failed") }
        return output
    }

    public func mac(_ message: String) -> [UInt8] {
        mac(Array(message.utf8))
    }

    /// Zeroes key-derived bytes before their memory is given back (OPENSSL_cleanse: not
    /// optimised away).
    private static func wipe<T>(_ value: inout T) {
        withUnsafeMutableBytes(of: &value) { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    private static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
    }
}
