/// Request parameters: the form body first, then the query string. Missing → "".
public struct Parameters: Sendable {
    private let pairs: [(String, String)]

    init(form: [(String, String)], query: [(String, String)]) { pairs = form + query }

    public subscript(_ name: String) -> String {
        pairs.first { $0.0 == name }?.1 ?? ""
    }

    public func has(_ name: String) -> Bool { pairs.contains { $0.0 == name } }
}
