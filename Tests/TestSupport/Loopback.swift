import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The test clients' one way to reach the server under test: 127.0.0.1 on its port.
enum Loopback {
    /// Connects `fd` to 127.0.0.1:`port`: 0, or the errno of the failure.
    static func connect(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return connected == 0 ? 0 : errno
    }

    /// Binds `fd` to `source` (any of 127.0.0.0/8 is loopback on Linux) before it connects,
    /// so a test can be several clients from different addresses: 0, or the errno.
    static func bind(_ fd: Int32, source: String) -> Int32 {
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0 ? 0 : errno
    }
}
