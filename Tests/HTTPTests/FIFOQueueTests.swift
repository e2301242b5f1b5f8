import Support
import XCTest

final class FIFOQueueTests: XCTestCase {
    /// Order and count hold across the compactions that happen while the queue never empties.
    func testKeepsOrderAcrossCompactions() {
        var queue = FIFOQueue<Int>()
        XCTAssertNil(queue.popFirst())
        var next = 0, expected = 0
        for _ in 0..<1_000 {
            for _ in 0..<3 { queue.append(next); next += 1 }
            for _ in 0..<2 {
                XCTAssertEqual(queue.popFirst(), expected)
                expected += 1
            }
            XCTAssertEqual(queue.count, next - expected)
        }
        while let value = queue.popFirst() {
            XCTAssertEqual(value, expected)
            expected += 1
        }
        XCTAssertEqual(expected, 3_000)
        XCTAssertTrue(queue.isEmpty)
    }
}
