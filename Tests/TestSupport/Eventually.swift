import Foundation
import XCTest

/// Polls `condition` until it holds or a generous `timeout` passes: tests wait for an event
/// (a counter, a log line, a freed slot) instead of sleeping, and assert that it happens,
/// not how fast. Returns whether it held, after failing the test if it never did.
@discardableResult
public func eventually(_ what: @autoclosure () -> String, timeout: Double = 30,
                       file: StaticString = #filePath, line: UInt = #line, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline {
            XCTFail("never happened within \(timeout) s: \(what())", file: file, line: line)
            return false
        }
        usleep(2_000)
    }
}
