import Database
import Foundation
import Glibc
import Support

/// The progress of `twofa db backup` on stderr: on a terminal a bar redrawn in place,
/// otherwise a plain line every tenth of the way (logs and pipes want no carriage returns).
public final class BackupProgress {
    private let terminal: Bool
    private let write: (String) -> Void
    private var lastTenth = -1
    private var lastDraw = -Double.infinity
    private var barShown = false

    public init(terminal: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.terminal = terminal
        self.write = write
    }

    func report(_ progress: SQLiteBackup.Progress) {
        let done = progress.pagesCopied == progress.pageCount
        if terminal {
            // A few redraws a second are enough to read; a terminal can lag behind thousands.
            let now = MonotonicClock.now()
            guard now - lastDraw >= 0.1 || done else { return }
            lastDraw = now
            write("\r" + Self.bar(progress))
            barShown = true
        } else {
            let tenth = Self.percent(progress) / 10
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write("backup: \(progress.pagesCopied)/\(progress.pageCount) pages (\(Self.percent(progress))%)\n")
        }
    }

    /// Ends the bar's line, so that what is printed next starts on a line of its own.
    func finish() {
        if barShown { write("\n") }
        barShown = false
    }

    /// `[##########--------------------]  33%  1234/3702 pages`
    static func bar(_ progress: SQLiteBackup.Progress, width: Int = 30) -> String {
        let filled = progress.pageCount == 0 ? width : progress.pagesCopied * width / progress.pageCount
        let percent = String(Self.percent(progress))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(repeating: " ", count: 3 - percent.count) + percent + "%  "
            + "\(progress.pagesCopied)/\(progress.pageCount) pages"
    }

    private static func percent(_ progress: SQLiteBackup.Progress) -> Int {
        progress.pageCount == 0 ? 100 : progress.pagesCopied * 100 / progress.pageCount
    }
}
