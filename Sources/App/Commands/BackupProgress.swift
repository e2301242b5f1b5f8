import Database
import Foundation
import Glibc
import Support

/// The progress of `twofa db backup` on stderr, in pages (a `ProgressBar`, whose total is the
/// page count SQLite reports with each step): `[####------]  33%  1234/3702 pages` redrawn on a
/// terminal, otherwise `backup: 1234/3702 pages (33%)` every tenth of the way.
public final class BackupProgress {
    private let bar: ProgressBar

    public init(terminal: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        bar = ProgressBar(total: 0, terminal: terminal, write: write) { done, total, _, terminal in
            terminal ? ProgressBar.line(done, of: total, unit: "pages")
                : "backup: \(done)/\(total) pages (\(ProgressBar.percent(done, of: total))%)"
        }
    }

    func report(_ progress: SQLiteBackup.Progress) {
        bar.total = progress.pageCount
        bar.update(progress.pagesCopied)
    }

    /// Ends the bar's line, so that what is printed next starts on a line of its own.
    func finish() { bar.finish() }
}
