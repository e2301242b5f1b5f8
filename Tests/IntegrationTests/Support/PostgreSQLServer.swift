import Foundation
import XCTest
import TestSupport

/// Stops and starts bin/test's throwaway PostgreSQL server (TWOFA_TEST_POSTGRES_DIR), for
/// outage tests. posix_spawn and waitpid, not Foundation's Process: the server that
/// `pg_ctl start` leaves running inherits Process's exit-watching descriptors, and
/// waitUntilExit would never return.
enum PostgreSQLServer {
    static var directory: String? { ProcessInfo.processInfo.environment["TWOFA_TEST_POSTGRES_DIR"] }

    /// `bin/pg-cluster COMMAND DIR`: restart, halt or resume.
    static func cluster(_ command: String) throws {
        guard let directory else { throw XCTSkip("needs bin/test's PostgreSQL server folder: TWOFA_TEST_POSTGRES_DIR") }
        let script = Repository.root + "/bin/pg-cluster"
        let words: [String] = [script, command, directory]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        var argv = arguments + [nil]
        var pid: pid_t = 0
        guard posix_spawn(&pid, script, nil, nil, &argv, environ) == 0 else { return XCTFail("cannot start \(script)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        XCTAssertEqual(status, 0, "bin/pg-cluster \(command)")
    }
}
