import CLinux
import Glibc

/// The Linux calls the event loop uses, named in one place. They come from the CLinux
/// system-library target (epoll, eventfd, accept4 are in libc but not in Swift's Glibc module).
enum LinuxCalls {
    static let EPOLLIN = UInt32(CLinux.EPOLLIN.rawValue)
    static let EPOLLOUT = UInt32(CLinux.EPOLLOUT.rawValue)
    static let EPOLLERR = UInt32(CLinux.EPOLLERR.rawValue)
    static let EPOLLHUP = UInt32(CLinux.EPOLLHUP.rawValue)
    static let EPOLLRDHUP = UInt32(CLinux.EPOLLRDHUP.rawValue)
    static let EPOLLEXCLUSIVE = UInt32(CLinux.EPOLLEXCLUSIVE.rawValue)
    static let EPOLL_CTL_ADD = Int32(CLinux.EPOLL_CTL_ADD)
    static let EPOLL_CTL_DEL = Int32(CLinux.EPOLL_CTL_DEL)
    static let EPOLL_CTL_MOD = Int32(CLinux.EPOLL_CTL_MOD)
    static let EPOLL_CLOEXEC = Int32(CLinux.EPOLL_CLOEXEC)
    static let EFD_CLOEXEC = Int32(CLinux.EFD_CLOEXEC)
    static let EFD_NONBLOCK = Int32(CLinux.EFD_NONBLOCK)

    static func epollCreate1(_ flags: Int32) -> Int32 { epoll_create1(flags) }
    static func eventfd(_ initial: UInt32, _ flags: Int32) -> Int32 { CLinux.eventfd(initial, flags) }
    static func accept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?,
                        _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32 {
        CLinux.accept4(fd, address, length, flags)
    }
}
