import Synchronization

/// The column names of one result shape, shared by its rows: SQLite's statement keeps one from
/// row to row and call to call, PostgreSQL makes one per result.
///
/// A model reads its columns by name and in the order its SELECT lists them
/// (`VerifyRequest.init(row:)` reads `id`, `request_id`, `account_id`, … as `columns` lists
/// them). So a lookup starts where the previous one ended and usually matches at once, where a
/// scan from the first name cost a Verify check about 8.5 k instructions over its 40-odd
/// lookups (BENCHMARKS.md, "The write path, eleventh pass"). Any order still finds every
/// name: the scan goes on round the list.
public final class ColumnNames: Sendable {
    public let names: [String]
    /// For each column, the position of the first column of the same name (its own, almost
    /// always): the scan may meet a repeated name's later column first, and the first one wins,
    /// as in most drivers.
    private let first: [Int]
    /// Where the next lookup starts. Only a hint: rows of one statement read on two threads at
    /// once may move it under each other, which costs a longer scan, never a wrong answer.
    private let next = Atomic<Int>(0)

    public init(_ names: [String]) {
        self.names = names
        var firstOf: [String: Int] = [:]
        first = names.indices.map { i in
            if let earlier = firstOf[names[i]] { return earlier }
            firstOf[names[i]] = i
            return i
        }
    }

    public var count: Int { names.count }

    /// The position of the first column called `name`, nil when there is none.
    public func index(of name: String) -> Int? {
        let count = names.count
        var i = next.load(ordering: .relaxed)
        if i >= count { i = 0 }
        // Names of another length are passed over without comparing them: a string's UTF-8
        // count is stored, and `==` on two that differ calls into the runtime.
        let length = name.utf8.count
        for _ in 0..<count {
            if names[i].utf8.count == length && names[i] == name {
                next.store(i + 1, ordering: .relaxed)
                return first[i]
            }
            i = i + 1 == count ? 0 : i + 1
        }
        return nil
    }
}
