import Glibc

/// The calling thread's nice value. On Linux nice is per thread, and PRIO_PROCESS with id 0
/// means the calling thread. Lowering it (raising the priority) needs root or CAP_SYS_NICE;
/// raising it never does.
public enum ThreadPriority {
    /// Nil if it cannot be read.
    public static func niceness() -> Int32? {
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        return errno == 0 ? value : nil
    }

    /// False when refused (errno says why).
    @discardableResult
    public static func set(_ niceness: Int32) -> Bool {
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) == 0
    }
}
