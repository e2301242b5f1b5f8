import Glibc

/// epoll, eventfd and accept4 are missing from Swift's Glibc module (its umbrella header
/// doesn't include <sys/epoll.h> or <sys/eventfd.h>, and accept4 needs _GNU_SOURCE).
/// The package has no C shim target for them, so they are bound once, at run time,
/// through dlsym with their exact C signatures.
enum LinuxCalls {
    static let epollCreate1 = symbol("epoll_create1", as: (@convention(c) (Int32) -> Int32).self)
    static let epollCtl = symbol(
        "epoll_ctl", as: (@convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32).self)
    static let epollWait = symbol(
        "epoll_wait", as: (@convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32).self)
    static let eventfd = symbol("eventfd", as: (@convention(c) (UInt32, Int32) -> Int32).self)
    static let accept4 = symbol(
        "accept4",
        as: (@convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32).self)

    // Values from <sys/epoll.h> and <sys/eventfd.h>; identical on every Linux architecture.
    static let EPOLLIN: UInt32 = 0x001
    static let EPOLLOUT: UInt32 = 0x004
    static let EPOLLERR: UInt32 = 0x008
    static let EPOLLHUP: UInt32 = 0x010
    static let EPOLLRDHUP: UInt32 = 0x2000
    static let EPOLLEXCLUSIVE: UInt32 = 1 << 28
    static let EPOLL_CTL_ADD: Int32 = 1
    static let EPOLL_CTL_DEL: Int32 = 2
    static let EPOLL_CTL_MOD: Int32 = 3
    static let EPOLL_CLOEXEC: Int32 = O_CLOEXEC
    static let EFD_CLOEXEC: Int32 = O_CLOEXEC
    static let EFD_NONBLOCK: Int32 = O_NONBLOCK

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        // A nil handle is RTLD_DEFAULT: search the libraries already loaded (libc).
        guard let pointer = dlsym(nil, name) else { fatalError("libc has no \(name)") }
        return unsafeBitCast(pointer, to: type)
    }
}
