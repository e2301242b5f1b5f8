/// Eight bytes of text as one `UInt64`, for scans that look for a few byte values in text that
/// mostly holds none of them (HTML escaping, response header values): a word with none of them
/// is skipped at once, and only a word that may hold one is looked at byte by byte.
public enum ByteWord {
    /// `byte` in each of the eight bytes.
    @inlinable @inline(__always)
    public static func repeating(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

    /// The eight bytes at `pointer`, which need not be aligned.
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self)
    }

    /// Non-zero exactly when some byte of `word` is below `limit` (at most 0x80); with a limit
    /// of 1, when some byte is zero. The classic bit trick: exact as to whether, not as to where.
    @inlinable @inline(__always)
    public static func bytes(of word: UInt64, below limit: UInt8) -> UInt64 {
        (word &- repeating(limit)) & ~word & repeating(0x80)
    }

    /// Non-zero exactly when some byte of `word` equals `byte`.
    @inlinable @inline(__always)
    public static func bytes(of word: UInt64, equalTo byte: UInt8) -> UInt64 {
        bytes(of: word ^ repeating(byte), below: 1)
    }
}
