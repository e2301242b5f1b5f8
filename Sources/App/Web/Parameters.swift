/// Request parameters: the form body first, then the query string. Missing → "".
public struct Parameters: Sendable {
    private let pairs: [(String, String)]

    init(form: [(String, String)], query: [(String, String)]) { pairs = form + query }

    public subscript(_ name: String) -> String {
        pairs.first { $0.0 == name }?.1 ?? ""
    }

    public func has(_ name: String) -> Bool { pairs.contains { $0.0 == name } }

    /// Every value of a repeated parameter (`request_ids=a&request_ids=b`), in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
}
