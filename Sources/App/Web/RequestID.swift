import Security

/// The id that ties a request's log lines to what its client saw (`X-Request-Id`).
/// A trusted proxy's id is kept, so one request can be followed through both logs;
/// anyone else's is replaced, or a client could write what it likes into our log.
enum RequestID {
    static let header = "X-Request-Id"
    static let maxLength = 128

    /// `incoming` when given (only from a trusted proxy) and sane, else a new one.
    static func choose(incoming: String?) -> String {
        if let incoming, isSane(incoming) { return incoming }
        return generate()
    }

    /// 16 random bytes as 32 hex digits.
    static func generate() -> String { Hex.encode(SecureRandom.bytes(16)) }

    /// 1–128 characters of `A-Z a-z 0-9 . _ : -`: nothing that could break a log line.
    static func isSane(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
        }
    }
}
