import Foundation
import Glibc

/// Progress of a long command (`twofa db copy`, `users import`, `db backup`) on stderr: on a
/// terminal one line redrawn in place, at most 10 times a second; otherwise a plain line every
/// tenth of the way, since logs and pipes want no carriage returns. What a line says is the
/// command's (`Lines`); by default the count, the rate and the time left.
public final class ProgressBar {
    /// The text of a line (without `\r` or `\n`) for `done` of `total` after `elapsed` seconds;
    /// `terminal` tells the redrawn bar from a plain line.
    public typealias Lines = (_ done: Int, _ total: Int, _ elapsed: Double, _ terminal: Bool) -> String

    /// Units in all; a command that learns it as it goes (a backup's page count) may update it.
    public var total: Int
    private let terminal: Bool
    private let write: (String) -> Void
    private let lines: Lines
    private let started = MonotonicClock.now()
    private var lastDraw = -Double.infinity
    private var lastTenth = -1
    private var drawn = false

    public init(total: Int, terminal: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
                lines: @escaping Lines) {
        self.total = max(0, total)
        self.terminal = terminal
        self.write = write
        self.lines = lines
    }

    /// The default lines: `[#########---------------------]  30%  3000/10000 rows  1500 rows/s  ETA 5s`.
    public convenience init(unit: String, total: Int, terminal: Bool = isatty(STDERR_FILENO) != 0,
                            write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.init(total: total, terminal: terminal, write: write) { done, total, elapsed, _ in
            Self.line(done, of: total, unit: unit, elapsed: elapsed)
        }
    }

    /// `done` of `total` so far. Cheap to call for every batch: it draws at most 10 times a second.
    public func update(_ done: Int) {
        let now = MonotonicClock.now()
        if terminal {
            guard now - lastDraw >= 0.1 || done >= total else { return }
            lastDraw = now
            write("\r" + lines(done, total, now - started, true))
            drawn = true
        } else {
            let tenth = Self.percent(done, of: total) / 10
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write(lines(done, total, now - started, false) + "\n")
        }
    }

    /// Ends the bar's line, so that what is printed next starts on a line of its own.
    public func finish() {
        if drawn { write("\n") }
        drawn = false
    }

    /// `[#########---------------------]  30%  3000/10000 rows`, plus the rate and the time
    /// left when `elapsed` is given.
    public static func line(_ done: Int, of total: Int, unit: String, elapsed: Double? = nil, width: Int = 30) -> String {
        let filled = total == 0 ? width : min(width, done * width / total)
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        let p = String(percent(done, of: total))
        text += String(repeating: " ", count: max(0, 3 - p.count)) + p + "%  \(done)/\(total) \(unit)"
        guard let elapsed else { return text }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        text += "  \(Int(rate.rounded())) \(unit)/s"
        if rate > 0 && done < total { text += "  ETA \(Int((Double(total - done) / rate).rounded(.up)))s" }
        return text
    }

    public static func percent(_ done: Int, of total: Int) -> Int { total == 0 ? 100 : min(100, done * 100 / total) }
}
