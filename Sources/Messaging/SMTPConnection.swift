import COpenSSL
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why one SMTP attempt failed, before `SMTPGateway` turns it into a `DeliveryError`.
enum SMTPFailure: Error, Equatable {
    case timedOut
    /// Connect, DNS, TLS or a dropped connection; `permanent` when retrying can't help
    /// (an untrusted certificate, a server without STARTTLS).
    case network(String, permanent: Bool)
    /// The server's answer: 4xx is worth another try, 5xx is not.
    case reply(code: Int, text: String)
}

/// One server reply: its code and its text lines (continuations joined).
struct SMTPReply {
    let code: Int
    let lines: [String]
}

/// The TLS settings every connection of a gateway shares: verify the server's certificate
/// against the system store (or SMTP_CA_FILE) and its name against the host; TLS 1.2 at least.
final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer

    init(caFile: String) throws {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw SMTPFailure.network("TLS unavailable", permanent: true) }
        self.context = context
        // SSL_CTX_set_min_proto_version is a macro: SSL_CTRL_SET_MIN_PROTO_VERSION (123), TLS1_2_VERSION.
        _ = SSL_CTX_ctrl(context, 123, Int(TLS1_2_VERSION), nil)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded = caFile.isEmpty ? SSL_CTX_set_default_verify_paths(context)
                                    : SSL_CTX_load_verify_locations(context, caFile, nil)
        guard loaded == 1 else { throw SMTPFailure.network("cannot load the trusted certificates", permanent: true) }
    }

    deinit { SSL_CTX_free(context) }
}

/// A blocking SMTP connection on our own socket, optionally under TLS, where every read and
/// write is bounded by one deadline for the whole attempt.
final class SMTPConnection {
    private var fd: Int32 = -1
    private var ssl: OpaquePointer?
    private var buffer: [UInt8] = []
    private let deadline: DispatchTime

    static let maxLineLength = 4096
    static let maxReplyLines = 100

    init(host: String, port: Int, deadline: DispatchTime) throws {
        self.deadline = deadline
        fd = try Self.connect(host: host, port: port, deadline: deadline)
    }

    deinit { close() }

    func close() {
        if let ssl {
            SSL_shutdown(ssl)
            SSL_free(ssl)
            self.ssl = nil
        }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    // MARK: TLS

    /// The TLS handshake, checking the certificate chain and that it names `host`.
    func startTLS(_ context: TLSClientContext, host: String) throws {
        // Bytes already read past the STARTTLS reply came in the clear: someone in between may
        // have appended replies to be read as if they came over TLS (CVE-2011-0411's class).
        guard buffer.isEmpty else { throw SMTPFailure.network("data after the STARTTLS reply, before TLS", permanent: true) }
        guard let ssl = SSL_new(context.context) else { throw SMTPFailure.network("TLS unavailable", permanent: true) }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        if inet_addr(host) == INADDR_NONE && !host.contains(":") {
            // SSL_set_tlsext_host_name is a macro: SSL_CTRL_SET_TLSEXT_HOSTNAME (55), TLSEXT_NAMETYPE_host_name (0).
            _ = host.withCString { SSL_ctrl(ssl, 55, 0, UnsafeMutableRawPointer(mutating: $0)) }
            SSL_set1_host(ssl, host)
        } else {
            let param = SSL_get0_param(ssl)
            X509_VERIFY_PARAM_set1_ip_asc(param, host)
        }
        try setTimeouts()
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                throw SMTPFailure.network("TLS certificate not trusted (\(String(cString: X509_verify_cert_error_string(verify))))",
                                          permanent: true)
            }
            if isPastDeadline { throw SMTPFailure.timedOut }
            throw SMTPFailure.network("TLS handshake failed", permanent: false)
        }
    }

    var isTLS: Bool { ssl != nil }

    // MARK: Lines

    func send(_ line: String) throws { try write(Array((line + "\r\n").utf8)) }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            try setTimeouts()
            let n: Int = bytes[offset...].withUnsafeBytes { chunk in
                if let ssl { return Int(SSL_write(ssl, chunk.baseAddress, Int32(min(chunk.count, 1 << 20)))) }
                return Glibc.send(fd, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 {
                if isPastDeadline || errno == EAGAIN || errno == EWOULDBLOCK { throw SMTPFailure.timedOut }
                throw SMTPFailure.network("connection lost", permanent: false)
            }
            offset += n
        }
    }

    /// The next reply, all its lines (`250-…` continues, `250 …` ends).
    func readReply() throws -> SMTPReply {
        var lines: [String] = []
        while lines.count < Self.maxReplyLines {
            let line = try readLine()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)), (200...599).contains(code) else {
                throw SMTPFailure.network("not an SMTP reply", permanent: false)
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return SMTPReply(code: code, lines: lines) }
            guard bytes[3] == UInt8(ascii: "-") else { throw SMTPFailure.network("not an SMTP reply", permanent: false) }
        }
        throw SMTPFailure.network("reply too long", permanent: false)
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count < Self.maxLineLength else { throw SMTPFailure.network("reply line too long", permanent: false) }
            try setTimeouts()
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n: Int = chunk.withUnsafeMutableBytes { space in
                if let ssl { return Int(SSL_read(ssl, space.baseAddress, Int32(space.count))) }
                return Glibc.recv(fd, space.baseAddress, space.count, 0)
            }
            if n <= 0 {
                if isPastDeadline || errno == EAGAIN || errno == EWOULDBLOCK { throw SMTPFailure.timedOut }
                throw SMTPFailure.network("connection closed by the server", permanent: false)
            }
            buffer += chunk[..<n]
        }
    }

    // MARK: Deadline

    private var isPastDeadline: Bool { DispatchTime.now() >= deadline }

    private var remaining: Double {
        Double(Int64(deadline.uptimeNanoseconds) - Int64(DispatchTime.now().uptimeNanoseconds)) / 1e9
    }

    /// Every blocking call waits at most until the attempt's deadline.
    private func setTimeouts() throws {
        let left = remaining
        guard left > 0 else { throw SMTPFailure.timedOut }
        var tv = timeval(tv_sec: Int(left), tv_usec: Int((left - Double(Int(left))) * 1e6) + 1)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Resolves `host` and connects to its first address that answers, non-blocking so the
    /// connect too is bounded by the deadline; the socket is blocking afterwards.
    private static func connect(host: String, port: Int, deadline: DispatchTime) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw SMTPFailure.network("host not found", permanent: false)
        }
        defer { freeaddrinfo(list) }
        var failure = SMTPFailure.network("connection refused", permanent: false)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var connected = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0
            if !connected && errno == EINPROGRESS {
                let left = Int64(deadline.uptimeNanoseconds) - Int64(DispatchTime.now().uptimeNanoseconds)
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = left > 0 ? poll(&pfd, 1, Int32(max(1, left / 1_000_000))) : 0
                if ready == 0 {
                    failure = .timedOut
                } else if ready > 0 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    connected = error == 0
                }
            }
            if connected {
                _ = fcntl(fd, F_SETFL, flags)
                return fd
            }
            Glibc.close(fd)
        }
        throw failure
    }
}
