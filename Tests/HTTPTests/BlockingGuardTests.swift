import Foundation
import Support
import XCTest

/// `BlockingGuard` alone: what an event-loop thread sees while it answers a quick request.
final class BlockingGuardTests: XCTestCase {
    func testCheckDoesNothingOutsideWithoutBlocking() throws {
        XCTAssertNoThrow(try BlockingGuard.check())
        XCTAssertFalse(BlockingGuard.hasTripped)
    }

    func testBodyThatNeverBlocksCompletes() {
        var ran = false
        let answered = BlockingGuard.withoutBlocking {
            ran = true
            XCTAssertFalse(BlockingGuard.hasTripped)
        }
        XCTAssertTrue(ran)
        XCTAssertTrue(answered)
    }

    func testCheckThrowsInsideWithoutBlocking() {
        var thrown: Error?
        let answered = BlockingGuard.withoutBlocking {
            do { try BlockingGuard.check() } catch { thrown = error }
        }
        XCTAssertTrue(thrown is BlockingGuard.WouldBlock, "got \(String(describing: thrown))")
        XCTAssertFalse(answered)
    }

    func testSwallowedErrorStillCountsAsBlocked() {
        var carriedOn = false
        let answered = BlockingGuard.withoutBlocking {
            _ = try? BlockingGuard.check()   // a careless `try?` in app code must not hide the attempt
            XCTAssertTrue(BlockingGuard.hasTripped)
            carriedOn = true
        }
        XCTAssertTrue(carriedOn)
        XCTAssertFalse(answered)
    }

    func testStateIsResetAfterwards() {
        _ = BlockingGuard.withoutBlocking { _ = try? BlockingGuard.check() }
        XCTAssertFalse(BlockingGuard.hasTripped, "the trip is forgotten once withoutBlocking returns")
        XCTAssertNoThrow(try BlockingGuard.check(), "and the thread may block again")
        // A later quick request on the same (loop) thread starts clean.
        XCTAssertTrue(BlockingGuard.withoutBlocking {})
        var thrown = false
        XCTAssertFalse(BlockingGuard.withoutBlocking {
            do { try BlockingGuard.check() } catch { thrown = true }
        })
        XCTAssertTrue(thrown, "and is guarded again")
        XCTAssertNoThrow(try BlockingGuard.check())
    }

    func testOnlyTheGuardedThreadIsAffected() {
        // Workers run beside the loops: a loop answering a quick request must not make
        // their database writes throw.
        final class Outcome: @unchecked Sendable { var threw: Bool? }   // written before `done` is signalled
        let outcome = Outcome()
        let answered = BlockingGuard.withoutBlocking {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                outcome.threw = (try? BlockingGuard.check()) == nil
                done.signal()
            }
            thread.start()
            done.wait()
        }
        XCTAssertEqual(outcome.threw, false)
        XCTAssertTrue(answered, "nothing on the guarded thread tried to block")
    }
}
