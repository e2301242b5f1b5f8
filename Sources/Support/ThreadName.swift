import CLinux
import Glibc

/// Names the calling thread as `top -H`, gdb and crash reports show it (at most 15 bytes).
/// Call it first thing inside the thread: Foundation drops a `Thread.name` set before
/// `start()` on Linux, and setting it from inside races with `start()`.
public enum ThreadName {
    public static func setCurrent(_ name: String) {
        _ = CLinux.pthread_setname_np(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
    }
}
