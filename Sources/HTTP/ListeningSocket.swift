import Glibc

/// Creating the listening socket, and socket-address helpers.
enum ListeningSocket {
    /// A non-blocking socket bound to `host:port` and listening. Throws with a message
    /// such as "cannot bind 127.0.0.1:3000: Address already in use".
    static func open(host: String, port: Int, backlog: Int32 = 1024) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard rc == 0, let info = list else {
            throw HTTPServerError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }

        let fd = socket(info.pointee.ai_family,
                        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError("cannot create socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            let message = "cannot bind \(host):\(port): \(errnoText())"
            close(fd)
            throw HTTPServerError(message)
        }
        if listen(fd, backlog) != 0 {
            let message = "cannot listen on \(host):\(port): \(errnoText())"
            close(fd)
            throw HTTPServerError(message)
        }
        return fd
    }

    /// The port the socket is bound to (the real one when asked for port 0).
    static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return 0 }
        return port(of: storage)
    }

    static func port(of storage: sockaddr_storage) -> Int {
        var storage = storage
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { raw in
            switch family {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                return 0
            }
        }
    }

    /// The IP address in `storage` as text ("127.0.0.1", "::1").
    static func addressText(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        let ok: Bool = withUnsafePointer(to: &storage) { raw in
            switch family {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    return inet_ntop(AF_INET, &addr, &text, socklen_t(text.count)) != nil
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count)) != nil
                }
            default:
                return false
            }
        }
        return ok ? String(cString: text) : "unknown"
    }
}
