import Glibc

/// One epoll instance and the event array `epoll_wait` fills. Used by one loop thread only.
///
/// `struct epoll_event` is not importable (see `LinuxCalls`), so events are read from raw
/// memory: it is packed (12 bytes, data at offset 4) on x86_64 and naturally aligned
/// (16 bytes, data at offset 8) elsewhere. The 64-bit data field holds a file descriptor.
final class Epoll {
    #if arch(x86_64)
    private static let eventSize = 12
    private static let dataOffset = 4
    #else
    private static let eventSize = 16
    private static let dataOffset = 8
    #endif

    let fd: Int32
    private let events: UnsafeMutableRawPointer
    private let capacity: Int

    init(capacity: Int = 256) throws {
        fd = LinuxCalls.epollCreate1(LinuxCalls.EPOLL_CLOEXEC)
        guard fd >= 0 else { throw HTTPServerError("epoll_create1 failed: \(errnoText())") }
        self.capacity = capacity
        events = UnsafeMutableRawPointer.allocate(byteCount: capacity * Self.eventSize, alignment: 8)
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
        max(0, Int(LinuxCalls.epollWait(fd, events, Int32(capacity), timeoutMs)))
    }

    /// The descriptor and event mask of the `index`th ready event.
    func event(at index: Int) -> (fd: Int32, mask: UInt32) {
        let base = events + index * Self.eventSize
        let mask = base.loadUnaligned(as: UInt32.self)
        let data = (base + Self.dataOffset).loadUnaligned(as: UInt64.self)
        return (Int32(truncatingIfNeeded: data), mask)
    }

    private func control(_ op: Int32, _ target: Int32, _ mask: UInt32) -> Bool {
        var event = (UInt64(0), UInt64(0))   // 16 zeroed bytes, enough for either layout
        return withUnsafeMutableBytes(of: &event) { raw in
            raw.storeBytes(of: mask, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt64(UInt32(bitPattern: target)), toByteOffset: Self.dataOffset, as: UInt64.self)
            return LinuxCalls.epollCtl(fd, op, target, raw.baseAddress) == 0
        }
    }
}

/// `strerror(errno)` as a Swift string.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
