import CLinux
import Glibc

/// One epoll instance and the event array `epoll_wait` fills. Used by one loop thread only.
/// `struct epoll_event` is packed on x86_64, so the array is raw memory read through the
/// CLinux shim's accessors; each event's data field holds a file descriptor.
final class Epoll {
    let fd: Int32
    private let events: UnsafeMutableRawPointer
    private let capacity: Int

    init(capacity: Int = 256) throws {
        fd = LinuxCalls.epollCreate1(LinuxCalls.EPOLL_CLOEXEC)
        guard fd >= 0 else { throw HTTPServerError("epoll_create1 failed: \(errnoText())") }
        self.capacity = capacity
        events = UnsafeMutableRawPointer.allocate(byteCount: capacity * twofa_epoll_event_size(), alignment: 8)
    }

    deinit {
        events.deallocate()
        Glibc.close(fd)
    }

    @discardableResult
    func add(_ target: Int32, events mask: UInt32) -> Bool { control(LinuxCalls.EPOLL_CTL_ADD, target, mask) }

    @discardableResult
    func modify(_ target: Int32, events mask: UInt32) -> Bool { control(LinuxCalls.EPOLL_CTL_MOD, target, mask) }

    @discardableResult
    func remove(_ target: Int32) -> Bool { control(LinuxCalls.EPOLL_CTL_DEL, target, 0) }

    /// Waits up to `timeoutMs` for events; returns how many are ready (0 on timeout or EINTR).
    /// Read each with `event(at:)` before the next call.
    func wait(timeoutMs: Int32) -> Int {
        max(0, Int(twofa_epoll_wait(fd, events, Int32(capacity), timeoutMs)))
    }

    /// The descriptor and event mask of the `index`th ready event.
    func event(at index: Int) -> (fd: Int32, mask: UInt32) {
        (twofa_epoll_event_fd(events, Int32(index)), twofa_epoll_event_mask(events, Int32(index)))
    }

    private func control(_ op: Int32, _ target: Int32, _ mask: UInt32) -> Bool {
        twofa_epoll_ctl(fd, op, target, mask) == 0
    }
}

/// `strerror(errno)` as a Swift string.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
