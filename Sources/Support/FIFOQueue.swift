/// A first-in, first-out queue over an array: taking the first element moves an index
/// instead of shifting the array, which is compacted when it runs empty or when the taken
/// part is at least half of it (so a queue that never empties under constant load stays
/// bounded, at amortised O(1) per element). Not thread-safe: the pools that use it (the
/// HTTP workers, the bcrypt threads) guard it with their own lock.
public struct FIFOQueue<Element> {
    @usableFromInline var items: [Element] = []
    @usableFromInline var head = 0

    @inlinable public init() {}

    @inlinable public var count: Int { items.count - head }
    @inlinable public var isEmpty: Bool { head == items.count }

    @inlinable public mutating func append(_ element: Element) {
        items.append(element)
    }

    @inlinable public mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}
