import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection that sends exactly the bytes a test gives it (malformed, huge,
/// pipelined, trickled a few at a time) and shows exactly what came back and whether the
/// server closed: response by response (`readResponse`) or as raw bytes (`received`).
/// `HTTPClient` can only send one well-formed request per connection.
public final class RawClient {
    public struct Response {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public private(set) var fd: Int32
    /// Everything received so far, including what `readResponse` has already consumed.
    public private(set) var received: [UInt8] = []
    /// Where `readResponse` carries on in `received`.
    private var consumed = 0
    /// The server closed its side (EOF or reset).
    public private(set) var closedByServer = false

    /// `timeout`: how long one receive or send may wait before it fails. `receiveBuffer`: a
    /// small SO_RCVBUF caps what the server can hand over in one send, whatever the timing.
    /// `source`: the client address the server sees (e.g. "127.0.0.2"; default 127.0.0.1).
    public init(port: Int, timeout: Double = 5, receiveBuffer: Int32? = nil, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        if let source {
            let failure = Loopback.bind(fd, source: source)
            guard failure == 0 else {
                Glibc.close(fd)
                throw Failure(description: "bind to \(source) failed: \(String(cString: strerror(failure)))")
            }
        }
        if var size = receiveBuffer {   // before connect, so the advertised window is small from the start
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int(timeout.truncatingRemainder(dividingBy: 1) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let code = Loopback.connect(fd, port: port)
        guard code == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to port \(port) failed: \(String(cString: strerror(code)))")
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Closes with a RST instead of a FIN (SO_LINGER 0), like a crashed or impatient client.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends all of `bytes`, unless the server has closed the connection (then the rest is
    /// dropped: the test looks at the answer it already sent).
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            let code = errno
            if code == EINTR { continue }
            if code == EPIPE || code == ECONNRESET { return }
            throw Failure(description: "send failed after \(sent) of \(bytes.count) bytes: \(String(cString: strerror(code)))")
        }
    }

    // MARK: Response by response

    /// Reads the next response. `bodyless` for answers to HEAD. Nil if the server closed first.
    public func readResponse(bodyless: Bool = false) throws -> Response? {
        var headEnd: Int?
        while true {
            if let index = find([13, 10, 13, 10]) { headEnd = index; break }
            guard try receive(wait: true) else { throw Failure(description: "timed out mid-head: \(pending.debugDescription)") }
            if closedByServer {
                if consumed == received.count { return nil }
                if find([13, 10, 13, 10]) == nil { throw Failure(description: "connection closed mid-head: \(pending)") }
            }
        }
        let lines = String(decoding: received[consumed..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        consumed = headEnd! + 4
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = Response(status: status, headers: headers, body: [])
        if bodyless || status < 200 || status == 204 || status == 304 { return response }
        guard let length = response.header("Content-Length").flatMap(Int.init) else {
            throw Failure(description: "response without Content-Length")
        }
        while received.count - consumed < length {
            guard try receive(wait: true), !closedByServer else { throw Failure(description: "connection closed or timed out mid-body") }
        }
        response.body = Array(received[consumed..<consumed + length])
        consumed += length
        return response
    }

    /// True if the server closes the connection (EOF or reset) within the receive timeout,
    /// with no further bytes sent.
    public func isClosedByServer() -> Bool {
        guard consumed == received.count else { return false }
        while !closedByServer {
            guard (try? receive(wait: true)) == true else { return false }
            if consumed != received.count { return false }
        }
        return true
    }

    /// Whatever is not yet consumed, plus what arrives until EOF or the receive timeout.
    public func readAll() -> [UInt8] {
        while !closedByServer, (try? receive(wait: true)) == true {}
        defer { consumed = received.count }
        return Array(received[consumed...])
    }

    // MARK: Raw bytes

    /// Reads until the server closes; throws if it doesn't within the receive timeout.
    @discardableResult
    public func readUntilClosed() throws -> [UInt8] {
        while !closedByServer {
            guard try receive(wait: true) else {
                throw Failure(description: "server kept the connection open; got so far: \(text.debugDescription)")
            }
        }
        return received
    }

    /// Takes whatever has arrived without waiting; true if anything happened.
    @discardableResult
    public func poll() throws -> Bool {
        var progressed = false
        while !closedByServer, try receive(wait: false) { progressed = true }
        return progressed
    }

    /// The first response in what was received, parsed as `HTTPClient` parses.
    public func response() throws -> TestResponse { try HTTPClient.parse(received) }

    /// Everything received, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }

    /// How many responses came back (status lines; for short plain-text bodies).
    public var responseCount: Int { text.components(separatedBy: "HTTP/1.1 ").count - 1 }

    private var pending: String { String(decoding: received[consumed...], as: UTF8.self) }

    /// One recv: false on timeout or nothing available; true when bytes or the close arrived.
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
            throw Failure(description: "recv failed: \(String(cString: strerror(code)))")
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard received.count - consumed >= needle.count else { return nil }
        for i in consumed...(received.count - needle.count) where received[i] == needle[0] {
            if Array(received[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
