import Support

/// The one-line-per-request access log: `GET /login 200 1.3ms`.
/// The query string is never logged (it may carry secrets), nor anything from the body.
enum AccessLog {
    static func record(method: String?, path: String?, status: Int, milliseconds: Double) {
        Log.info("\(method ?? "-") \(path ?? "-") \(status) \(format(milliseconds))ms")
    }

    /// `%.1f` without Foundation's String(format:), which is slow on Linux.
    static func format(_ ms: Double) -> String {
        let tenths = Int((max(0, ms) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
