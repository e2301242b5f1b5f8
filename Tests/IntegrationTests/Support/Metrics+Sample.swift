import Foundation

extension TestServer {
    /// One series' value on this instance's GET /metrics (nil when absent).
    func metric(_ series: String) throws -> Double? {
        let body = try browser().get("/metrics").body
        return body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
