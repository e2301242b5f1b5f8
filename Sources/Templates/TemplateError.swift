/// A load-time syntax/reference error (or an unknown template name at render time).
/// `line` is 1-based; 0 means "not about a particular line".
public struct TemplateError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// "Views/users/new.html:12: unclosed {{#if}} opened here" — the compiler-style
    /// format editors and terminals turn into clickable locations.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
