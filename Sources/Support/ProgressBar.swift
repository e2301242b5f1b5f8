import Foundation
import Glibc

/// Progress of a long command (`twofa db copy`, `twofa users import`) on stderr: on a
/// terminal one line redrawn in place with the count, the rate and the time left; otherwise
/// a plain line every tenth of the way, since logs and pipes want no carriage returns.
public final class ProgressBar {
    private let unit: String
    private let total: Int
    private let terminal: Bool
    private let write: (String) -> Void
    private let started = MonotonicClock.now()
    private var lastDraw = -Double.infinity
    private var lastTenth = -1
    private var drawn = false

    public init(unit: String, total: Int, terminal: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.unit = unit
        self.total = max(0, total)
        self.terminal = terminal
        self.write = write
    }

    /// `done` of `total` so far. Cheap to call for every batch: it draws at most 10 times a second.
    public func update(_ done: Int) {
        let now = MonotonicClock.now()
        if terminal {
            guard now - lastDraw >= 0.1 || done >= total else { return }
            lastDraw = now
            write("\r" + line(done, elapsed: now - started))
            drawn = true
        } else {
            let tenth = percent(done) / 10
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write(line(done, elapsed: now - started) + "\n")
        }
    }

    /// Ends the bar's line, so that what is printed next starts on a line of its own.
    public func finish() {
        if drawn { write("\n") }
        drawn = false
    }

    /// `[#########---------------------]  30%  3000/10000 rows  1500 rows/s  ETA 5s`
    func line(_ done: Int, elapsed: Double, width: Int = 30) -> String {
        let filled = total == 0 ? width : min(width, done * width / total)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        let p = String(percent(done))
        text += String(repeating: " ", count: max(0, 3 - p.count)) + p + "%  \(done)/\(total) \(unit)"
        text += "  \(Int(rate.rounded())) \(unit)/s"
        if rate > 0 && done < total { text += "  ETA \(Int((Double(total - done) / rate).rounded(.up)))s" }
        return text
    }

    private func percent(_ done: Int) -> Int { total == 0 ? 100 : min(100, done * 100 / total) }
}
