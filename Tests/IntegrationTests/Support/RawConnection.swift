import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to the server that sends exactly the bytes a test gives it —
/// malformed, huge, or trickled a few at a time — and reports what came back and
/// whether the server closed. `HTTPClient` can only send well-formed requests in one go.
final class RawConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private(set) var fd: Int32
    /// Everything received so far.
    private(set) var received: [UInt8] = []
    /// The server closed its side (EOF or reset).
    private(set) var closedByServer = false

    init(port: Int, timeout: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port) failed: errno \(code)")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends all of `bytes`, unless the server has stopped listening (then the rest is
    /// dropped: the test looks at the answer it already sent).
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE || code == ECONNRESET { return }
            throw Failure(description: "send failed after \(sent) of \(bytes.count) bytes: errno \(code)")
        }
    }

    /// Reads until the server closes; throws if it doesn't within the receive timeout.
    @discardableResult
    func readUntilClosed() throws -> [UInt8] {
        while !closedByServer {
            guard try receive(wait: true) else {
                throw Failure(description: "server kept the connection open; got so far: \(text.debugDescription)")
            }
        }
        return received
    }

    /// Takes whatever has arrived without waiting; true if anything happened.
    @discardableResult
    func poll() throws -> Bool {
        var progressed = false
        while !closedByServer, try receive(wait: false) { progressed = true }
        return progressed
    }

    /// The first response in what was received.
    func response() throws -> TestResponse { try HTTPClient.parse(received) }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// How many responses came back (status lines; bodies here are short plain text).
    var responseCount: Int { text.components(separatedBy: "HTTP/1.1 ").count - 1 }

    /// One recv: false on timeout / nothing available.
    private func receive(wait: Bool) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, wait ? 0 : Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received.append(contentsOf: chunk[0..<n])
                return true
            }
            if n == 0 {
                closedByServer = true
                return true
            }
            let code = errno
            if code == EINTR { continue }
            if code == ECONNRESET {
                closedByServer = true
                return true
            }
            if code == EAGAIN || code == EWOULDBLOCK { return false }
            throw Failure(description: "recv failed: errno \(code)")
        }
    }
}
