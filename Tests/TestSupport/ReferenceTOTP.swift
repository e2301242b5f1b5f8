import Foundation

/// RFC 6238 codes (SHA-1, 30-second steps, 6 digits) from Python's standard library (hmac,
/// base64): an implementation independent of the app's Swift code, to check it against.
public enum ReferenceTOTP {
    public enum KeyEncoding: String { case hex, base32 }

    private static let script = """
    import base64, hashlib, hmac, struct, sys
    encoding, times = sys.argv[1], [int(t) for t in sys.argv[2].split(",")]
    for secret in sys.argv[3:]:
        key = bytes.fromhex(secret) if encoding == "hex" else base64.b32decode(secret + "=" * (-len(secret) % 8))
        codes = []
        for t in times:
            mac = hmac.new(key, struct.pack(">Q", t // 30), hashlib.sha1).digest()
            o = mac[-1] & 0x0F
            codes.append("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
        print(" ".join(codes))
    """

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// One line of codes per secret, one code per time (Unix seconds).
    public static func codes(secrets: [String], encoding: KeyEncoding, times: [Int64]) throws -> [[String]] {
        let result = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, encoding.rawValue,
                                                         times.map(String.init).joined(separator: ",")] + secrets)
        guard result.status == 0 else { throw Failure(description: "python3 reference failed: \(result.err)") }
        return result.out.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// The code for one base32 key (as an enrolment page shows it) at `time`.
    public static func code(base32: String, at time: Int64) throws -> String {
        let lines = try codes(secrets: [base32], encoding: .base32, times: [time])
        guard let code = lines.first?.first else { throw Failure(description: "python3 reference printed nothing") }
        return code
    }
}
