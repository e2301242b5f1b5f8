import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A response as the tests see it: status, headers (names lower-cased, repeats kept), body.
public struct TestResponse {
    public let status: Int
    public let headers: [(String, String)]
    public let body: String

    public init(status: Int, headers: [(String, String)], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    public func headers(_ name: String) -> [String] { headers.filter { $0.0 == name.lowercased() }.map(\.1) }
    public var location: String? { header("location") }
}

/// A deliberately plain HTTP/1.1 client over a blocking POSIX socket: one connection
/// per request with `Connection: close`, reading until the server closes. It speaks
/// to the real server exactly as curl would, without Foundation's URL loading (which
/// follows redirects and keeps cookies behind our back).
public enum HTTPClient {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// `source` picks the client address (any of 127.0.0.0/8 is loopback on Linux), so tests
    /// can be several visitors from different IPs.
    public static func send(port: Int, raw: [UInt8], timeout: Int = 10, source: String? = nil) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        if let source {
            let failure = Loopback.bind(fd, source: source)
            guard failure == 0 else { throw Failure(description: "bind to \(source) failed: errno \(failure)") }
        }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let failure = Loopback.connect(fd, port: port)
        guard failure == 0 else { throw Failure(description: "connect to port \(port) failed: errno \(failure)") }
        var sent = 0
        while sent < raw.count {
            let n = raw[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]) } else if n == 0 { break } else {
                if errno == EINTR { continue }
                if received.isEmpty { throw Failure(description: "recv failed: errno \(errno)") }
                break
            }
        }
        return received
    }

    public static func request(port: Int, method: String, path: String, headers: [(String, String)] = [],
                        body: String = "", source: String? = nil) throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
        head += "\r\n"
        let bytes = try send(port: port, raw: Array((head + body).utf8), source: source)
        return try parse(bytes)
    }

    public static func parse(_ bytes: [UInt8]) throws -> TestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "no header block in response: \(String(decoding: bytes, as: UTF8.self))")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line: \(head)")
        }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return TestResponse(status: status, headers: headers, body: String(decoding: bytes[(end + 4)...], as: UTF8.self))
    }
}
