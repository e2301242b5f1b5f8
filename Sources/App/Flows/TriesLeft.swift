/// "You have N tries left." after a wrong code, the same sentence on every code form.
enum TriesLeft {
    static func sentence(_ left: Int) -> String {
        "You have \(left == 1 ? "1 try" : "\(left) tries") left."
    }

    /// `problem` followed by the tries left, e.g. "That code isn't right. You have 2 tries left."
    static func message(_ problem: String, left: Int) -> String {
        "\(problem) \(sentence(left))"
    }
}
