import COpenSSL
import Glibc

/// Cryptographically secure random values from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes. If OpenSSL cannot produce them the process stops:
    /// carrying on with predictable tokens or salts would be worse than crashing.
    ///
    /// Small requests (a CSRF mask or secret on every form page) are served from a per-thread
    /// block of 1 KiB that one RAND_bytes call fills: OpenSSL 3 spends more on the call than
    /// on 32 bytes of output. Bytes handed out are wiped from the block at once, so each is
    /// used exactly once; the block is no more exposed than the DRBG state it comes from.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        buffer.withUnsafeMutableBytes { fill($0) }
        return buffer
    }

    /// Fills `out` with random bytes (in place, for callers that build a token in one buffer).
    public static func fill(_ out: UnsafeMutableRawBufferPointer) {
        guard !out.isEmpty else { return }
        if out.count <= ThreadBlock.size / 8 {
            ThreadBlock.current().take(into: out)
        } else {
            fillFromOpenSSL(out)
        }
    }

    fileprivate static func fillFromOpenSSL(_ out: UnsafeMutableRawBufferPointer) {
        let ok = RAND_bytes(out.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(out.count))
        guard ok == 1 else { fatalError("RAND_bytes failed (OpenSSL error \(ERR_get_error())); refusing to continue without secure randomness") }
    }

    /// One thread's unused random bytes (touched only by that thread).
    private final class ThreadBlock {
        static let size = 1024
        private static let key: pthread_key_t = {
            var key = pthread_key_t()
            // The destructor wipes and frees a finished thread's block.
            precondition(pthread_key_create(&key, { if let block = $0 { Unmanaged<ThreadBlock>.fromOpaque(block).release() } }) == 0)
            return key
        }()

        private let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: ThreadBlock.size, alignment: 16)
        private var used = ThreadBlock.size   // all "used": the first take refills

        static func current() -> ThreadBlock {
            if let existing = pthread_getspecific(key) {
                return Unmanaged<ThreadBlock>.fromOpaque(existing).takeUnretainedValue()
            }
            let block = ThreadBlock()
            pthread_setspecific(key, Unmanaged.passRetained(block).toOpaque())
            return block
        }

        func take(into out: UnsafeMutableRawBufferPointer) {
            if Self.size - used < out.count {
                SecureRandom.fillFromOpenSSL(bytes)
                used = 0
            }
            let slice = UnsafeMutableRawBufferPointer(rebasing: bytes[used..<(used + out.count)])
            out.copyMemory(from: UnsafeRawBufferPointer(slice))
            OPENSSL_cleanse(slice.baseAddress, slice.count)
            used += out.count
        }

        deinit {
            OPENSSL_cleanse(bytes.baseAddress, bytes.count)
            bytes.deallocate()
        }
    }

    /// A URL- and cookie-safe random token: base64url without padding (32 bytes → 43 characters).
    public static func token(byteCount: Int = 32) -> String {
        Base64URL.encode(bytes(byteCount))
    }

    /// `count` uniformly distributed decimal digits, e.g. a 6-digit PIN. Leading zeros are kept.
    public static func digits(_ count: Int) -> String {
        precondition(count >= 0, "negative digit count")
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            // Rejection sampling: 250 is the largest multiple of 10 that fits in a byte, so
            // bytes 250...255 are discarded instead of making 0–5 slightly more likely (modulo bias).
            for byte in bytes(count - result.count + 4) where byte < 250 && result.count < count {
                result.append(UInt8(ascii: "0") + byte % 10)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
